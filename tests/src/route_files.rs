//! The route tables a deployment needs besides the code, generated from the functions'
//! OpenAPI documents (each built from the function's own route table): the
//! `cargo lambda watch` router in `Cargo.toml`, and in `infra/template.yaml` each
//! function's HttpApi `Events` and the HttpApi's `DefinitionBody.paths`. Only the text
//! between a `# BEGIN generated routes ...` line and its `# END generated routes ...`
//! line is rewritten: everything around it (comments, ordering, route settings) is kept
//! as written.

use std::collections::BTreeSet;

use utoipa::openapi::OpenApi;

use crate::Route;

/// The command that regenerates the files; the check's failure names it.
pub const COMMAND: &str = "make routes";

/// The methods of a path in the order the generated files list them.
const METHODS: [&str; 8] = [
    "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE",
];

/// Every route of `documents` (function name, its OpenAPI document), function by
/// function in the given order, then by path, then by method.
pub fn documented_routes(documents: &[(&str, OpenApi)]) -> Vec<Route> {
    let mut routes = Vec::new();
    for (function, document) in documents {
        let document = serde_json::to_value(document).expect("a document serializes");
        let paths = document["paths"].as_object().cloned().unwrap_or_default();
        for (path, item) in paths {
            let mut methods: Vec<String> = item
                .as_object()
                .map(|item| item.keys().map(|m| m.to_uppercase()).collect())
                .unwrap_or_default();
            methods.retain(|m| METHODS.contains(&m.as_str()));
            methods.sort_by_key(|m| METHODS.iter().position(|known| known == m));
            for method in methods {
                routes.push(Route {
                    path: path.clone(),
                    method,
                    function: (*function).to_owned(),
                });
            }
        }
    }
    routes
}

/// `routes` grouped by path, in the order each path first appears.
fn by_path(routes: &[Route]) -> Vec<(&str, Vec<&Route>)> {
    let mut grouped: Vec<(&str, Vec<&Route>)> = Vec::new();
    for route in routes {
        match grouped.iter_mut().find(|(path, _)| *path == route.path) {
            Some((_, group)) => group.push(route),
            None => grouped.push((&route.path, vec![route])),
        }
    }
    grouped
}

/// The name of a route's event in its function's `Events`: the method and the path's
/// words in CamelCase, as `GET /admin/customer-users/{id}` gives
/// `GetAdminCustomerUsersId`.
pub fn event_name(route: &Route) -> String {
    let method = route.method.to_lowercase();
    std::iter::once(method.as_str())
        .chain(route.path.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().expect("a word has a first letter");
            first.to_ascii_uppercase().to_string() + chars.as_str()
        })
        .collect()
}

/// The `cargo lambda watch` router: one line per path.
pub fn watch_router(routes: &[Route]) -> Vec<String> {
    let mut lines = vec!["[workspace.metadata.lambda.watch.router]".to_owned()];
    for (path, routes) in by_path(routes) {
        let targets: Vec<String> = routes
            .iter()
            .map(|r| {
                format!(
                    "{{ method = \"{}\", function = \"{}\" }}",
                    r.method, r.function
                )
            })
            .collect();
        lines.push(format!("\"{path}\" = [{}]", targets.join(", ")));
    }
    lines
}

/// The HttpApi events of `function`, as the lines under its `Events:`.
pub fn template_events(routes: &[Route], function: &str) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    let mut names = BTreeSet::new();
    for route in routes.iter().filter(|r| r.function == function) {
        let name = event_name(route);
        if !names.insert(name.clone()) {
            return Err(format!(
                "two routes of {function} would both be the event {name}; rename a path"
            ));
        }
        lines.extend([
            format!("{name}:"),
            "  Type: HttpApi".to_owned(),
            "  Properties:".to_owned(),
            "    ApiId: !Ref HttpApi".to_owned(),
            format!("    Path: {}", route.path),
            format!("    Method: {}", route.method),
        ]);
    }
    Ok(lines)
}

/// The HttpApi's `DefinitionBody.paths`: each route integrated with its function by the
/// function's fixed name.
pub fn template_paths(routes: &[Route]) -> Vec<String> {
    let mut lines = Vec::new();
    for (path, routes) in by_path(routes) {
        lines.push(format!("{path}:"));
        for route in routes {
            lines.extend([
                format!("  {}:", route.method.to_lowercase()),
                "    x-amazon-apigateway-integration:".to_owned(),
                "      type: aws_proxy".to_owned(),
                "      httpMethod: POST".to_owned(),
                "      payloadFormatVersion: \"2.0\"".to_owned(),
                format!(
                    "      uri: !Sub \"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:${{AWS::StackName}}-{}/invocations\"",
                    route.function
                ),
            ]);
        }
    }
    lines
}

/// The marker lines around the generated text `what` (`routes`, `routes of token`).
fn markers(what: &str) -> (String, String) {
    (
        format!("# BEGIN generated {what} ({COMMAND})"),
        format!("# END generated {what}"),
    )
}

/// `text` with the lines between the markers of `what` replaced by `generated`,
/// indented as the opening marker is.
pub fn replace_between(text: &str, what: &str, generated: &[String]) -> Result<String, String> {
    let (begin, end) = markers(what);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let find = |marker: &str, from: usize| {
        lines
            .iter()
            .skip(from)
            .position(|line| line.trim() == marker)
            .map(|i| i + from)
    };
    let start = find(&begin, 0).ok_or_else(|| format!("no line `{begin}`"))?;
    let stop = find(&end, start + 1).ok_or_else(|| format!("no line `{end}` after `{begin}`"))?;
    if find(&begin, start + 1).is_some() {
        return Err(format!("`{begin}` appears twice"));
    }
    let indent: String = lines[start]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let mut out: String = lines[..=start].concat();
    for line in generated {
        out.push_str(&indent);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&lines[stop..].concat());
    Ok(out)
}

/// The functions whose `Events` the template has a generated block for, in its order.
pub fn template_functions(template: &str) -> Vec<String> {
    let (begin, _) = markers("routes of ");
    let prefix = begin.split(" (").next().unwrap_or(&begin).to_owned();
    template
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix(&prefix)?;
            Some(rest.split(' ').next()?.to_owned())
        })
        .collect()
}

/// `Cargo.toml` and `infra/template.yaml` with their route tables generated from
/// `routes`.
pub struct Generated {
    pub cargo_toml: String,
    pub template: String,
}

pub fn generate(cargo_toml: &str, template: &str, routes: &[Route]) -> Result<Generated, String> {
    let cargo_toml = replace_between(cargo_toml, "routes", &watch_router(routes))?;
    let mut generated = replace_between(template, "routes", &template_paths(routes))?;
    let served: BTreeSet<&str> = routes.iter().map(|r| r.function.as_str()).collect();
    let in_template = template_functions(template);
    for function in &served {
        if !in_template.iter().any(|f| f == function) {
            return Err(format!(
                "infra/template.yaml has no `Events` block for {function}: add its function \
                 with the lines `# BEGIN generated routes of {function} ({COMMAND})` and \
                 `# END generated routes of {function}` under `Events:`"
            ));
        }
    }
    for function in &in_template {
        let events = template_events(routes, function)?;
        generated = replace_between(&generated, &format!("routes of {function}"), &events)?;
    }
    Ok(Generated {
        cargo_toml,
        template: generated,
    })
}
