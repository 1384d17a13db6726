/// The API a token is for. Backend and frontend tokens are never interchangeable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The back-office API (`/admin`), for applications of back-office users.
    Backend,
    /// The storefront API (`/api`), for applications of customer users.
    Frontend,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Backend => "backend-api",
            Audience::Frontend => "frontend-api",
        }
    }
}
