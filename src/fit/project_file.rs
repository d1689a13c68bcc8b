//! `hardrun fit --write`: an adjustment added to the project file's text without reformatting
//! what is there. The item goes at the end of the `adjustments:` list (with the list's own
//! indentation), or a new `adjustments:` list at the end of the file; a list written in flow
//! style (`adjustments: []`) cannot be appended to this way and is left for the user. Pure.

/// `existing` with the item (lines of a list item indented by two spaces, as
/// `doctor::adjustment_yaml` writes it) added.
pub fn append(existing: &str, item: &str) -> Result<String, String> {
    let lines: Vec<&str> = existing.split_inclusive('\n').collect();
    let top = |line: &str| {
        let first = line.chars().next();
        first.is_some_and(|c| !c.is_whitespace() && c != '#' && c != '-')
    };
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_end().starts_with("adjustments:") && top(l))
    else {
        let mut out = existing.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("adjustments:\n");
        out.push_str(item);
        return Ok(out);
    };
    let after = lines[start].trim_end()["adjustments:".len()..].trim();
    if !after.is_empty() && !after.starts_with('#') {
        return Err(format!(
            "the project file's `adjustments:` is written on one line ({after}), which fit cannot append to without rewriting it\nhelp: add the adjustment printed above to the list by hand"
        ));
    }
    // The block: up to the next top-level key; trailing blank and comment lines stay after it.
    let mut end = lines.len();
    for (index, line) in lines.iter().enumerate().skip(start + 1) {
        if top(line) {
            end = index;
            break;
        }
    }
    while end > start + 1 && {
        let t = lines[end - 1].trim();
        t.is_empty() || t.starts_with('#')
    } {
        end -= 1;
    }
    let indent = lines[start + 1..end]
        .iter()
        .find_map(|l| {
            let trimmed = l.trim_start();
            trimmed.starts_with('-').then(|| l.len() - trimmed.len())
        })
        .unwrap_or(2);
    let item: String = item
        .lines()
        .map(|l| {
            let body = l.strip_prefix("  ").unwrap_or(l);
            format!("{}{body}\n", " ".repeat(indent))
        })
        .collect();
    let mut out: String = lines[..end].concat();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&item);
    out.push_str(&lines[end..].concat());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEM: &str = "  - image: \"nginx:1\"\n    reason: \"r\"\n    writable: [/run]\n";

    #[test]
    fn a_new_file_gets_a_list() {
        assert_eq!(append("", ITEM).unwrap(), format!("adjustments:\n{ITEM}"));
    }

    #[test]
    fn a_file_without_adjustments_keeps_its_text() {
        let existing = "waivers:\n  - rule: no-privileged   # keep me\n    image: x\n    reason: y";
        let out = append(existing, ITEM).unwrap();
        assert!(out.starts_with(existing));
        assert!(out.ends_with(&format!("\n\nadjustments:\n{ITEM}")));
    }

    #[test]
    fn the_item_goes_at_the_end_of_the_list_with_its_indentation() {
        let existing =
            "adjustments:\n- image: redis\n  reason: r\n  pids: 200\n\n# trailing\nwaivers: []\n";
        let out = append(existing, ITEM).unwrap();
        assert_eq!(
            out,
            "adjustments:\n- image: redis\n  reason: r\n  pids: 200\n- image: \"nginx:1\"\n  reason: \"r\"\n  writable: [/run]\n\n# trailing\nwaivers: []\n"
        );
    }

    #[test]
    fn a_flow_list_is_refused() {
        assert!(append("adjustments: []\n", ITEM).is_err());
    }
}
