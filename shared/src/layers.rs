//! The crate's modules form layers: no import cycle between its top-level modules,
//! and the domain knows neither HTTP nor the storage adapters. Checked by reading the
//! sources, so that a cycle fails the tests instead of growing unnoticed.

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    /// The top-level modules that each top-level module of `shared/src` names through
    /// `crate::`, test modules left out.
    fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let relative = path.strip_prefix(&root).unwrap();
                let top = relative
                    .components()
                    .next()
                    .unwrap()
                    .as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_owned();
                if matches!(top.as_str(), "lib" | "bin" | "layers")
                    || path.extension().is_none_or(|e| e != "rs")
                {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                let uses = graph.entry(top.clone()).or_default();
                for named in crate_paths(code) {
                    if named != top {
                        uses.insert(named);
                    }
                }
            }
        }
        graph
    }

    /// The first segment of every `crate::` path in `code`, groups included, comments
    /// left out.
    fn crate_paths(code: &str) -> BTreeSet<String> {
        let code: String = code
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let mut found = BTreeSet::new();
        let mut rest = code.as_str();
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // Top-level names of the group: after `{` or a `,` at depth 0.
                let mut depth = 0;
                let mut start = true;
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => start = true,
                        c if start && (c.is_alphanumeric() || c == '_') => {
                            let name: String = group[i..]
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect();
                            found.insert(name);
                            start = false;
                        }
                        _ => {}
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.insert(name);
            }
        }
        // Items re-exported at the root are not modules.
        found.retain(|n| n.chars().next().is_some_and(|c| c.is_lowercase()));
        found
    }

    fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
        fn visit(
            node: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = path.iter().position(|n| n == node) {
                let mut found = path[at..].to_vec();
                found.push(node.to_owned());
                return Some(found);
            }
            if done.contains(node) {
                return None;
            }
            path.push(node.to_owned());
            for next in graph.get(node).into_iter().flatten() {
                if let Some(found) = visit(next, graph, path, done) {
                    return Some(found);
                }
            }
            path.pop();
            done.insert(node.to_owned());
            None
        }
        let mut done = BTreeSet::new();
        graph
            .keys()
            .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
    }

    #[test]
    fn the_top_level_modules_have_no_import_cycle() {
        let graph = module_graph();
        assert!(
            graph.contains_key("ports") && graph.contains_key("domain"),
            "{graph:?}"
        );
        if let Some(found) = cycle(&graph) {
            panic!("import cycle: {}", found.join(" -> "));
        }
    }

    #[test]
    fn the_domain_knows_no_edge_and_no_adapter() {
        let graph = module_graph();
        let domain = [
            "domain",
            "paging",
            "application",
            "audit",
            "consent",
            "customer_user",
            "directory",
            "session",
        ];
        let outer = [
            "http",
            "error",
            "store",
            "aws",
            "mail",
            "key_source",
            "provision",
            "notifier",
            "openapi",
            "ports",
            "rules",
            "services",
            "auth",
        ];
        for module in domain {
            let reaches: Vec<_> = graph[module]
                .iter()
                .filter(|m| outer.contains(&m.as_str()))
                .collect();
            assert!(reaches.is_empty(), "{module} imports {reaches:?}");
        }
    }

    #[test]
    fn the_checker_sees_a_cycle() {
        let graph = BTreeMap::from([
            ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
            ("b".to_owned(), BTreeSet::from(["a".to_owned()])),
        ]);
        assert_eq!(cycle(&graph).unwrap(), ["a", "b", "a"]);
        assert_eq!(
            crate_paths("use crate::{x::{Y, z}, w::V};\nlet q = crate::k::f(); // crate::c"),
            BTreeSet::from(["k".to_owned(), "w".to_owned(), "x".to_owned()])
        );
    }
}
