//! The Kubernetes front end: the pod templates of a manifest's workloads read into
//! `ContainerSpec`s (`manifest`), judged by the same rules within what a pod template can say
//! (`limits`), and the plans written back in Kubernetes' own terms (`edit`, `stream`, with
//! `quantity` for sizes and CPUs); the kubectl command lines hardrun hardens (`command`). Pure.

pub mod command;
pub mod edit;
pub mod limits;
pub mod manifest;
pub mod quantity;
pub mod stream;
pub mod yaml;
