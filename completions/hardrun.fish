# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_hardrun_global_optspecs
    string join \n profile= allow= dry-run explain verify no-audit format= h/help V/version
end

function __fish_hardrun_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_hardrun_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_hardrun_using_subcommand
    set -l cmd (__fish_hardrun_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c hardrun -n "__fish_hardrun_needs_command" -l profile -d 'Profile to apply: a built-in name, a name in ./.hardrun/profiles or ~/.config/hardrun/profiles, or a YAML path' -r
complete -c hardrun -n "__fish_hardrun_needs_command" -l allow -d 'Waive a rule for this invocation, with the reason after `=` (repeatable; strict requires the reason)' -r
complete -c hardrun -n "__fish_hardrun_needs_command" -l format -d 'Output format for --dry-run, --explain and the subcommands' -r -f -a "text\t''
json\t''"
complete -c hardrun -n "__fish_hardrun_needs_command" -l dry-run -d 'Print the hardened command and run nothing'
complete -c hardrun -n "__fish_hardrun_needs_command" -l explain -d 'Print every change, with its rule and reason, to stderr before running'
complete -c hardrun -n "__fish_hardrun_needs_command" -l verify -d 'With `run -d`: check the started container with `verify` and report on stderr'
complete -c hardrun -n "__fish_hardrun_needs_command" -l no-audit -d 'Write no audit record for this invocation (HARDRUN_AUDIT=off does the same for all)'
complete -c hardrun -n "__fish_hardrun_needs_command" -s h -l help -d 'Print help'
complete -c hardrun -n "__fish_hardrun_needs_command" -s V -l version -d 'Print version'
complete -c hardrun -n "__fish_hardrun_needs_command" -f -a "profiles" -d 'List the profiles, or show one resolved through `extends`'
complete -c hardrun -n "__fish_hardrun_needs_command" -f -a "rules" -d 'List the rules, or show one rule\'s documentation'
complete -c hardrun -n "__fish_hardrun_needs_command" -f -a "verify" -d 'Check running containers against a profile (default: the profile recorded on each)'
complete -c hardrun -n "__fish_hardrun_needs_command" -f -a "check" -d 'Audit compose files, Dockerfiles and the docker run lines of scripts, Makefiles and CI YAML against the profile, for CI'
complete -c hardrun -n "__fish_hardrun_needs_command" -f -a "fit" -d 'Find the smallest adjustment under which an image or a compose service works under the profile: throw-away trial containers, probed'
complete -c hardrun -n "__fish_hardrun_needs_command" -f -a "doctor" -d 'Say why a container exited, restarts or is unhealthy, and the adjustment that fixes it'
complete -c hardrun -n "__fish_hardrun_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c hardrun -n "__fish_hardrun_using_subcommand profiles; and not __fish_seen_subcommand_from list show" -s h -l help -d 'Print help'
complete -c hardrun -n "__fish_hardrun_using_subcommand profiles; and not __fish_seen_subcommand_from list show" -f -a "list" -d 'List the available profiles'
complete -c hardrun -n "__fish_hardrun_using_subcommand profiles; and not __fish_seen_subcommand_from list show" -f -a "show" -d 'Print a profile after resolving `extends`'
complete -c hardrun -n "__fish_hardrun_using_subcommand profiles; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c hardrun -n "__fish_hardrun_using_subcommand profiles; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c hardrun -n "__fish_hardrun_using_subcommand rules" -s h -l help -d 'Print help'
complete -c hardrun -n "__fish_hardrun_using_subcommand verify" -l profile -d 'Profile to check against (default: the one recorded on each container, else baseline)' -r
complete -c hardrun -n "__fish_hardrun_using_subcommand verify" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c hardrun -n "__fish_hardrun_using_subcommand verify" -l project -d 'Check the running containers of this compose project' -r
complete -c hardrun -n "__fish_hardrun_using_subcommand verify" -s h -l help -d 'Print help'
complete -c hardrun -n "__fish_hardrun_using_subcommand check" -l format -d 'Output format' -r -f -a "text\t''
json\t''
sarif\t''"
complete -c hardrun -n "__fish_hardrun_using_subcommand check" -l fail-on -d 'Fail (exit 1) on findings of this severity or above (default: what the profile refuses)' -r -f -a "low\t''
medium\t''
high\t''
critical\t''"
complete -c hardrun -n "__fish_hardrun_using_subcommand check" -l baseline -d 'Accept the findings of this baseline file: fail only on new ones' -r -F
complete -c hardrun -n "__fish_hardrun_using_subcommand check" -l write-baseline -d 'Write every finding into this baseline file' -r -F
complete -c hardrun -n "__fish_hardrun_using_subcommand check" -l fix -d 'Print the fixes as a unified diff (an override file for compose, lines for Dockerfiles); no file is changed'
complete -c hardrun -n "__fish_hardrun_using_subcommand check" -s h -l help -d 'Print help'
complete -c hardrun -n "__fish_hardrun_using_subcommand fit" -l probe-http -d 'The probe passes when an HTTP GET of PATH on the container\'s PORT answers 2xx or 3xx' -r
complete -c hardrun -n "__fish_hardrun_using_subcommand fit" -l probe-tcp -d 'The probe passes when the container\'s PORT accepts a TCP connection' -r
complete -c hardrun -n "__fish_hardrun_using_subcommand fit" -l probe-cmd -d 'The probe passes when CMD succeeds inside the container (`docker exec … sh -c CMD`)' -r
complete -c hardrun -n "__fish_hardrun_using_subcommand fit" -l seconds -d 'How long a trial may take to pass (default 30; without a probe, how long it must keep running, default 5)' -r
complete -c hardrun -n "__fish_hardrun_using_subcommand fit" -l parallel -d 'Trials run at once, where the search has independent ones (more is faster for light images, and can time out heavy ones)' -r
complete -c hardrun -n "__fish_hardrun_using_subcommand fit" -l probe-healthy -d 'The probe passes when the container\'s health check reports healthy'
complete -c hardrun -n "__fish_hardrun_using_subcommand fit" -l write -d 'Add the adjustment found to .hardrun.yaml (the one found upward from here, else a new one here; appending, never reformatting)'
complete -c hardrun -n "__fish_hardrun_using_subcommand fit" -s h -l help -d 'Print help'
complete -c hardrun -n "__fish_hardrun_using_subcommand doctor" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c hardrun -n "__fish_hardrun_using_subcommand doctor" -l tail -d 'Log lines to read' -r
complete -c hardrun -n "__fish_hardrun_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c hardrun -n "__fish_hardrun_using_subcommand completions" -s h -l help -d 'Print help'
