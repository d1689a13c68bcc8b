//! The Kubernetes front end: the pod templates of a manifest's workloads read into
//! `ContainerSpec`s (`manifest`), judged by the same rules, and the plans written back in
//! Kubernetes' own terms (`edit`). Pure.

pub mod manifest;
pub mod yaml;
