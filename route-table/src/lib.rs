//! A function's routes, each declared once: a handler with its `#[utoipa::path]`, named
//! in the function's route table. The table is a function that names each handler to a
//! [`Table`]; walking it with [`router`] gives the axum router and walking it with
//! [`openapi`] gives the OpenAPI paths, so a route cannot be served without being
//! documented, or documented at another path or method than it is served at.
//!
//! A function's binary walks only the router: the OpenAPI operations and schemas stay in
//! the tests and the generator of the deployment files (`make routes`), not in the
//! bootstrap.
//!
//! ```ignore
//! fn routes(table: &mut impl route_table::Table<MyState>) {
//!     route_table::routes!(table: things::list, things::create, things::get);
//! }
//! ```

use axum::{
    Router,
    handler::Handler,
    routing::{MethodFilter, MethodRouter},
};
use utoipa::{
    __dev::{SchemaReferences, Tags},
    Path,
    openapi::{
        OpenApi, RefOr,
        path::{HttpMethod, Paths},
        schema::Schema,
    },
};

#[doc(hidden)]
pub use pastey::paste;

/// What a route table names its routes to. `P` is the item `#[utoipa::path]` generated
/// for `handler`: its path, methods and operation.
pub trait Table<S> {
    fn route<P, H, T>(&mut self, handler: H)
    where
        P: Path + SchemaReferences + for<'t> Tags<'t>,
        H: Handler<T, S>,
        T: 'static;
}

/// Names each handler to the table: `routes!(table: module::handler, other::handler)`.
/// A handler is named by a path of one or more segments, its `#[utoipa::path]` beside it.
#[macro_export]
macro_rules! routes {
    ($table:ident: $($($segment:ident)::+),+ $(,)?) => {
        $( $crate::routes!(@one $table [] $($segment)::+); )+
    };
    (@one $table:ident [$($module:ident)*] $segment:ident :: $($rest:tt)+) => {
        $crate::routes!(@one $table [$($module)* $segment] $($rest)+)
    };
    (@one $table:ident [$($module:ident)*] $handler:ident) => {
        $crate::paste! {
            $table.route::<$($module::)* [<__path_ $handler>], _, _>($($module::)* $handler)
        }
    };
}

/// Builds the axum router of a route table.
pub struct Serve<S>(Router<S>);

impl<S: Clone + Send + Sync + 'static> Table<S> for Serve<S> {
    fn route<P, H, T>(&mut self, handler: H)
    where
        P: Path + SchemaReferences + for<'t> Tags<'t>,
        H: Handler<T, S>,
        T: 'static,
    {
        // This is compiled once per handler into the bootstrap: it does no more than
        // `get(handler)` would, and leaves the rest to code compiled once.
        let methods = axum::routing::on(method_filter(P::methods()), handler);
        self.add(P::path(), methods);
    }
}

impl<S: Clone + Send + Sync + 'static> Serve<S> {
    #[inline(never)]
    fn add(&mut self, path: String, methods: MethodRouter<S>) {
        // A path named again adds its methods to the path's router.
        self.0 = std::mem::take(&mut self.0).route(&path, methods);
    }
}

#[inline(never)]
fn method_filter(methods: Vec<HttpMethod>) -> MethodFilter {
    methods
        .into_iter()
        .map(|method| match method {
            HttpMethod::Get => MethodFilter::GET,
            HttpMethod::Put => MethodFilter::PUT,
            HttpMethod::Post => MethodFilter::POST,
            HttpMethod::Delete => MethodFilter::DELETE,
            HttpMethod::Options => MethodFilter::OPTIONS,
            HttpMethod::Head => MethodFilter::HEAD,
            HttpMethod::Patch => MethodFilter::PATCH,
            HttpMethod::Trace => MethodFilter::TRACE,
        })
        .reduce(MethodFilter::or)
        .expect("a #[utoipa::path] names a method")
}

/// The router that serves every route of `table`.
pub fn router<S: Clone + Send + Sync + 'static>(table: impl FnOnce(&mut Serve<S>)) -> Router<S> {
    let mut serve = Serve(Router::new());
    table(&mut serve);
    serve.0
}

/// Collects the OpenAPI paths of a route table, and the schemas they refer to.
pub struct Document {
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl<S> Table<S> for Document {
    fn route<P, H, T>(&mut self, _handler: H)
    where
        P: Path + SchemaReferences + for<'t> Tags<'t>,
        H: Handler<T, S>,
        T: 'static,
    {
        let mut operation = P::operation();
        let tags = P::tags();
        if !tags.is_empty() {
            let operation_tags = operation.tags.get_or_insert_with(Vec::new);
            operation_tags.extend(tags.into_iter().map(str::to_owned));
        }
        P::schemas(&mut self.schemas);
        self.paths
            .add_path_operation(P::path(), P::methods(), operation);
    }
}

/// `document` with the paths of every route of `table`, and their schemas, added as
/// `#[derive(OpenApi)]` adds those of its `paths(...)`.
pub fn openapi(mut document: OpenApi, table: impl FnOnce(&mut Document)) -> OpenApi {
    let mut found = Document {
        paths: Paths::new(),
        schemas: Vec::new(),
    };
    table(&mut found);
    for (path, item) in found.paths.paths {
        match document.paths.paths.get_mut(&path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                document.paths.paths.insert(path, item);
            }
        }
    }
    document
        .components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(found.schemas);
    document
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    mod things {
        #[utoipa::path(get, path = "/things/{id}", tag = "things", responses((status = 200)))]
        pub async fn get() -> &'static str {
            "get"
        }

        #[utoipa::path(delete, path = "/things/{id}", tag = "things", responses((status = 204)))]
        pub async fn delete() -> http::StatusCode {
            http::StatusCode::NO_CONTENT
        }
    }

    #[utoipa::path(post, path = "/things", responses((status = 201)))]
    async fn create() -> http::StatusCode {
        http::StatusCode::CREATED
    }

    fn routes(table: &mut impl Table<()>) {
        crate::routes!(table: things::get, create, things::delete);
    }

    async fn status(method: &str, uri: &str) -> StatusCode {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        router(routes).oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn serves_each_route_at_its_documented_path_and_method() {
        assert_eq!(status("GET", "/things/1").await, StatusCode::OK);
        assert_eq!(status("DELETE", "/things/1").await, StatusCode::NO_CONTENT);
        assert_eq!(status("POST", "/things").await, StatusCode::CREATED);
        assert_eq!(
            status("PATCH", "/things/1").await,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            status("GET", "/things").await,
            StatusCode::METHOD_NOT_ALLOWED
        );

        let document = openapi(OpenApi::default(), routes);
        let document = serde_json::to_value(&document).unwrap();
        let paths = document["paths"].as_object().unwrap();
        let mut found: Vec<(String, String)> = paths
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .map(|method| (path.clone(), method.clone()))
            })
            .collect();
        found.sort();
        let expected = [
            ("/things", "post"),
            ("/things/{id}", "delete"),
            ("/things/{id}", "get"),
        ];
        assert_eq!(found, expected.map(|(p, m)| (p.to_owned(), m.to_owned())));
        assert_eq!(
            document["paths"]["/things/{id}"]["get"]["tags"][0],
            "things"
        );
    }
}
