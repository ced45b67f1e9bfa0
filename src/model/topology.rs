//! The deployment as a graph, for the checks that are questions about paths: can every fleet
//! reach the cloud, and which single outage cuts some of them off?
//!
//! Invariant 5 in ARCHITECTURE.md: the graph is for building and checking; the event loop never sees it.
//! The graph follows the traffic: fleet → each gateway of its group → each carrier the gateway
//! has an uplink through → the cloud. A fleet stands for all its devices: they are the
//! endpoints, so their own failures are never single points of failure; only the gateways,
//! carriers and common causes between them and the cloud can be.

use std::fmt;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, NodeFiltered, Reversed};

use crate::scenario::{Deployment, Unit};

/// What a node stands for; the index is into the matching list of the [`Deployment`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Element {
    Fleet(usize),
    Gateway(usize),
    Carrier(usize),
    Cloud,
}

/// A node of the topology: what it stands for, and a label with the deployment's id, so that
/// the graph reads on its own (in a debugger, or through petgraph's `Dot`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub element: Element,
    /// `gateway "gw-north"`, `cloud`, ...: the way messages name it.
    pub label: String,
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// A part of the deployment that is not connected as intended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreachable {
    /// The fleet has no path to the cloud: all its data would be lost. An error.
    Fleet(usize),
    /// No fleet sends through the gateway: it costs money and carries nothing. Worth a
    /// warning, not an error (a spare, or a design half edited).
    Gateway(usize),
}

/// An outage that can be the single cause of a fleet losing the cloud. The variant order is
/// the report order: gateways, carriers, then common causes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outage {
    Gateway(usize),
    Carrier(usize),
    /// A common cause ([`Deployment::causes`]): all its units go down together.
    Cause(usize),
}

/// A single point of failure: `outage` alone cuts `fleets` off the cloud.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spof {
    pub outage: Outage,
    /// Fleet indices, ascending; only fleets that reach the cloud while everything is up.
    pub fleets: Vec<usize>,
    /// The devices in those fleets.
    pub devices: u64,
}

/// The deployment's paths from devices to the cloud.
#[derive(Clone, Debug)]
pub struct Topology {
    graph: DiGraph<Node, ()>,
    /// Node of fleet `i`, gateway `g`, carrier `c`: the deployment's indices map to nodes here.
    fleets: Vec<NodeIndex>,
    gateways: Vec<NodeIndex>,
    carriers: Vec<NodeIndex>,
    cloud: NodeIndex,
}

impl Topology {
    /// Builds the graph of `dep`: a fleet links to every member of its group (any of them can
    /// carry its traffic), a gateway to each carrier it has an uplink through, a carrier to
    /// the cloud.
    pub fn build(dep: &Deployment) -> Topology {
        let mut graph = DiGraph::new();
        let mut add = |element, label: String| graph.add_node(Node { element, label });
        let fleets: Vec<_> = dep
            .fleets
            .iter()
            .enumerate()
            .map(|(i, f)| add(Element::Fleet(i), format!("fleet \"{}\"", f.id)))
            .collect();
        let gateways: Vec<_> = dep
            .gateways
            .iter()
            .enumerate()
            .map(|(g, gw)| add(Element::Gateway(g), format!("gateway \"{}\"", gw.id)))
            .collect();
        let carriers: Vec<_> = dep
            .carriers
            .iter()
            .enumerate()
            .map(|(c, ca)| add(Element::Carrier(c), format!("carrier \"{}\"", ca.id)))
            .collect();
        let cloud = add(Element::Cloud, "cloud".to_string());

        for (f, fleet) in dep.fleets.iter().enumerate() {
            for &g in &dep.groups[fleet.group].members {
                graph.update_edge(fleets[f], gateways[g], ());
            }
            // Devices on their own SIMs reach the carriers themselves.
            for &c in fleet.cellular.iter().flat_map(|c| &c.profiles) {
                graph.update_edge(fleets[f], carriers[c], ());
            }
        }
        for (g, gateway) in dep.gateways.iter().enumerate() {
            for uplink in &gateway.uplinks {
                // Two uplinks through one carrier are still one way out when it fails.
                graph.update_edge(gateways[g], carriers[uplink.carrier], ());
            }
        }
        for &c in &carriers {
            graph.add_edge(c, cloud, ());
        }
        Topology {
            graph,
            fleets,
            gateways,
            carriers,
            cloud,
        }
    }

    /// The graph itself, for other questions about paths (and for drawing it).
    pub fn graph(&self) -> &DiGraph<Node, ()> {
        &self.graph
    }

    /// Fleets with no path to the cloud, then gateways no fleet sends through, each by index.
    /// The compiler already refuses a gateway without uplinks, so the first list is empty for
    /// any compiled scenario today; the check stays generic so that it holds as the scenario
    /// language grows.
    pub fn unreachable(&self) -> Vec<Unreachable> {
        let fleets = self.cut_off(&[]).into_iter().map(Unreachable::Fleet);
        let gateways = self
            .gateways
            .iter()
            .enumerate()
            .filter(|&(_, &n)| {
                self.graph
                    .neighbors_directed(n, petgraph::Incoming)
                    .next()
                    .is_none()
            })
            .map(|(g, _)| Unreachable::Gateway(g));
        fleets.chain(gateways).collect()
    }

    /// Every gateway, carrier and common cause whose outage alone cuts some fleet off the
    /// cloud, in the order gateways, carriers, causes, each by index.
    ///
    /// Each candidate is taken out of the graph and the fleets that can still reach the cloud
    /// are found by one walk back from it: O(candidates × graph), which is milliseconds for the
    /// thousands of units a deployment has. (Dominators would find single nodes in one pass,
    /// but a common cause removes several nodes at once, and one method for both is clearer.)
    /// Fleets cut off with everything up are left out: no outage is to blame for them.
    pub fn single_points_of_failure(&self, dep: &Deployment) -> Vec<Spof> {
        let already = self.cut_off(&[]);
        let node = |unit: &Unit| match *unit {
            Unit::Gateway(g) => self.gateways[g],
            Unit::Carrier(c) => self.carriers[c],
        };
        let candidates = (0..self.gateways.len())
            .map(|g| (Outage::Gateway(g), vec![self.gateways[g]]))
            .chain((0..self.carriers.len()).map(|c| (Outage::Carrier(c), vec![self.carriers[c]])))
            .chain(
                dep.causes
                    .iter()
                    .enumerate()
                    .map(|(k, cause)| (Outage::Cause(k), cause.units.iter().map(node).collect())),
            );
        candidates
            .filter_map(|(outage, down)| {
                let mut fleets = self.cut_off(&down);
                fleets.retain(|f| !already.contains(f));
                let devices = fleets.iter().map(|&f| dep.fleets[f].count as u64).sum();
                (!fleets.is_empty()).then_some(Spof {
                    outage,
                    fleets,
                    devices,
                })
            })
            .collect()
    }

    /// The lines `iotwin validate` prints, each ending in a newline: fleets that cannot reach
    /// the cloud, the single points of failure (or `none`), then unused gateways.
    #[expect(clippy::expect_used, reason = "writing to a String cannot fail")]
    pub fn describe(&self, dep: &Deployment) -> String {
        let mut out = String::new();
        self.write_report(dep, &mut out)
            .expect("writing to a String cannot fail");
        out
    }

    fn write_report(&self, dep: &Deployment, out: &mut impl fmt::Write) -> fmt::Result {
        let unreachable = self.unreachable();
        for u in &unreachable {
            if let Unreachable::Fleet(f) = *u {
                writeln!(
                    out,
                    "{} has no path to the cloud",
                    self.label(self.fleets[f])
                )?;
            }
        }
        let spofs = self.single_points_of_failure(dep);
        if spofs.is_empty() {
            writeln!(out, "single points of failure: none")?;
        } else {
            writeln!(out, "single points of failure: {}", spofs.len())?;
        }
        for spof in &spofs {
            let outage = match spof.outage {
                Outage::Gateway(g) => self.label(self.gateways[g]).to_string(),
                Outage::Carrier(c) => self.label(self.carriers[c]).to_string(),
                Outage::Cause(k) => format!("common cause \"{}\"", dep.causes[k].id),
            };
            let names: Vec<_> = spof
                .fleets
                .iter()
                .map(|&f| format!("\"{}\"", dep.fleets[f].id))
                .collect();
            let fleets = if names.len() == 1 { "fleet" } else { "fleets" };
            let devices = if spof.devices == 1 {
                "device"
            } else {
                "devices"
            };
            writeln!(
                out,
                "  {outage}: cuts off {fleets} {} ({} {devices})",
                names.join(", "),
                spof.devices,
            )?;
        }
        for u in &unreachable {
            if let Unreachable::Gateway(g) = *u {
                let gateway = self.label(self.gateways[g]);
                writeln!(out, "unused {gateway}: no fleet sends through it")?;
            }
        }
        Ok(())
    }

    fn label(&self, n: NodeIndex) -> &str {
        &self.graph[n].label
    }

    /// Fleets, by index, with no path to the cloud while the nodes in `down` are out: a walk
    /// back from the cloud along reversed edges finds everything that can still reach it.
    fn cut_off(&self, down: &[NodeIndex]) -> Vec<usize> {
        let mut is_down = vec![false; self.graph.node_count()];
        for n in down {
            is_down[n.index()] = true;
        }
        let up = NodeFiltered::from_fn(&self.graph, |n: NodeIndex| !is_down[n.index()]);
        let towards = Reversed(&up);
        let mut dfs = Dfs::new(towards, self.cloud);
        while dfs.next(towards).is_some() {}
        self.fleets
            .iter()
            .enumerate()
            .filter(|&(_, n)| !dfs.discovered.contains(n.index()))
            .map(|(f, _)| f)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, DEFAULT_SCENARIO};

    /// A one-site scenario with the given lists; carriers have no outages of their own.
    fn deployment(lists: &str) -> Deployment {
        let text =
            format!(r#"Scenario(name: "t", horizon: "1d", sites: [Site(id: "plant")], {lists})"#);
        scenario::compile_source(&text, "test.ron").unwrap_or_else(|e| panic!("{e}"))
    }

    fn carriers(ids: &[&str]) -> String {
        let list: Vec<_> = ids
            .iter()
            .map(|c| format!(r#"Carrier(id: "{c}")"#))
            .collect();
        format!("carriers: [{}],", list.join(", "))
    }

    fn gateway(id: &str, uplinks: &[&str]) -> String {
        let list: Vec<_> = uplinks
            .iter()
            .map(|c| format!(r#"Uplink(carrier: "{c}")"#))
            .collect();
        format!(
            r#"Gateway(id: "{id}", site: "plant", buffer_messages: 1000, uplinks: [{}])"#,
            list.join(", ")
        )
    }

    fn fleet(id: &str, gateway: &str, count: u32) -> String {
        format!(
            r#"Fleet(id: "{id}", site: "plant", gateway: "{gateway}", count: {count}, report: Fixed("10m"))"#
        )
    }

    fn describe(dep: &Deployment) -> String {
        Topology::build(dep).describe(dep)
    }

    #[test]
    fn one_gateway_on_one_carrier_makes_both_single_points_of_failure() {
        let dep = deployment(&format!(
            "{} gateways: [{}], fleets: [{}]",
            carriers(&["lte"]),
            gateway("gw", &["lte"]),
            fleet("meters", "gw", 50),
        ));
        let spofs = Topology::build(&dep).single_points_of_failure(&dep);
        assert_eq!(
            spofs,
            vec![
                Spof {
                    outage: Outage::Gateway(0),
                    fleets: vec![0],
                    devices: 50
                },
                Spof {
                    outage: Outage::Carrier(0),
                    fleets: vec![0],
                    devices: 50
                },
            ]
        );
        assert_eq!(
            describe(&dep),
            "single points of failure: 2\n\
             \x20 gateway \"gw\": cuts off fleet \"meters\" (50 devices)\n\
             \x20 carrier \"lte\": cuts off fleet \"meters\" (50 devices)\n"
        );
    }

    #[test]
    fn a_second_carrier_leaves_only_the_gateway() {
        let dep = deployment(&format!(
            "{} gateways: [{}], fleets: [{}]",
            carriers(&["fiber", "lte"]),
            gateway("gw", &["fiber", "lte"]),
            fleet("meters", "gw", 50),
        ));
        assert_eq!(
            describe(&dep),
            "single points of failure: 1\n\
             \x20 gateway \"gw\": cuts off fleet \"meters\" (50 devices)\n"
        );
    }

    #[test]
    fn redundant_gateways_on_two_carriers_leave_none() {
        let dep = deployment(&format!(
            r#"{} gateways: [{}, {}], fleets: [{}],
            redundancy: [ActiveStandby(id: "pair", gateways: ["gw-a", "gw-b"],
                                       detection: After(Fixed("30s")))]"#,
            carriers(&["fiber", "lte"]),
            gateway("gw-a", &["fiber", "lte"]),
            gateway("gw-b", &["fiber", "lte"]),
            fleet("meters", "pair", 50),
        ));
        let topology = Topology::build(&dep);
        assert!(topology.single_points_of_failure(&dep).is_empty());
        assert!(topology.unreachable().is_empty());
        assert_eq!(describe(&dep), "single points of failure: none\n");
    }

    #[test]
    fn a_common_cause_taking_down_both_carriers_is_a_single_point_of_failure() {
        let dep = deployment(&format!(
            r#"{} gateways: [{}, {}], fleets: [{}],
            redundancy: [ActiveStandby(id: "pair", gateways: ["gw-a", "gw-b"],
                                       detection: After(Fixed("30s")))],
            common_causes: [CommonCause(id: "storm", takes_down: [Carrier("fiber"), Carrier("lte")],
                outages: Outages(every: Exponential(mean: "1y"), lasting: Fixed("4h")))]"#,
            carriers(&["fiber", "lte"]),
            gateway("gw-a", &["fiber", "lte"]),
            gateway("gw-b", &["fiber", "lte"]),
            fleet("meters", "pair", 50),
        ));
        assert_eq!(
            describe(&dep),
            "single points of failure: 1\n\
             \x20 common cause \"storm\": cuts off fleet \"meters\" (50 devices)\n"
        );
    }

    #[test]
    fn a_shared_carrier_cuts_off_every_fleet_behind_it_and_sums_their_devices() {
        let dep = deployment(&format!(
            "{} gateways: [{}, {}], fleets: [{}, {}]",
            carriers(&["lte"]),
            gateway("gw-a", &["lte"]),
            gateway("gw-b", &["lte"]),
            fleet("vibration", "gw-a", 200),
            fleet("pressure", "gw-b", 1),
        ));
        assert_eq!(
            describe(&dep),
            "single points of failure: 3\n\
             \x20 gateway \"gw-a\": cuts off fleet \"vibration\" (200 devices)\n\
             \x20 gateway \"gw-b\": cuts off fleet \"pressure\" (1 device)\n\
             \x20 carrier \"lte\": cuts off fleets \"vibration\", \"pressure\" (201 devices)\n"
        );
    }

    #[test]
    fn a_gateway_no_fleet_uses_is_reported_but_is_no_single_point_of_failure() {
        let dep = deployment(&format!(
            "{} gateways: [{}, {}], fleets: [{}]",
            carriers(&["fiber", "lte"]),
            gateway("gw", &["fiber", "lte"]),
            gateway("gw-spare", &["fiber", "lte"]),
            fleet("meters", "gw", 50),
        ));
        assert_eq!(
            Topology::build(&dep).unreachable(),
            vec![Unreachable::Gateway(1)]
        );
        assert_eq!(
            describe(&dep),
            "single points of failure: 1\n\
             \x20 gateway \"gw\": cuts off fleet \"meters\" (50 devices)\n\
             unused gateway \"gw-spare\": no fleet sends through it\n"
        );
    }

    #[test]
    fn a_fleet_with_no_way_out_is_unreachable_and_no_outage_is_blamed_for_it() {
        // The compiler refuses a gateway without uplinks; take them away afterwards.
        let mut dep = deployment(&format!(
            "{} gateways: [{}, {}], fleets: [{}, {}]",
            carriers(&["lte"]),
            gateway("gw-a", &["lte"]),
            gateway("gw-b", &["lte"]),
            fleet("stranded", "gw-a", 10),
            fleet("meters", "gw-b", 50),
        ));
        dep.gateways[0].uplinks.clear();
        assert_eq!(
            Topology::build(&dep).unreachable(),
            vec![Unreachable::Fleet(0)]
        );
        assert_eq!(
            describe(&dep),
            "fleet \"stranded\" has no path to the cloud\n\
             single points of failure: 2\n\
             \x20 gateway \"gw-b\": cuts off fleet \"meters\" (50 devices)\n\
             \x20 carrier \"lte\": cuts off fleet \"meters\" (50 devices)\n"
        );
    }

    #[test]
    fn the_factory_has_one_gateway_per_fleet_and_two_carriers() {
        let dep = scenario::compile_source(DEFAULT_SCENARIO, "factory.ron")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            describe(&dep),
            "single points of failure: 2\n\
             \x20 gateway \"gw-north\": cuts off fleet \"vibration\" (200 devices)\n\
             \x20 gateway \"gw-south\": cuts off fleet \"pressure\" (100 devices)\n"
        );
    }

    #[test]
    fn the_graph_follows_the_traffic_with_readable_labels() {
        let dep = scenario::compile_source(DEFAULT_SCENARIO, "factory.ron")
            .unwrap_or_else(|e| panic!("{e}"));
        let graph = Topology::build(&dep).graph().clone();
        // 2 fleets + 2 gateways + 2 carriers + the cloud; 2 + 4 + 2 edges.
        assert_eq!((graph.node_count(), graph.edge_count()), (7, 8));
        let labels: Vec<_> = graph.node_weights().map(|n| n.to_string()).collect();
        assert_eq!(
            labels,
            [
                "fleet \"vibration\"",
                "fleet \"pressure\"",
                "gateway \"gw-north\"",
                "gateway \"gw-south\"",
                "carrier \"fiber-isp\"",
                "carrier \"lte\"",
                "cloud",
            ]
        );
    }
}
