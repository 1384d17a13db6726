//! Sign-in sessions of people: authorization codes and refresh-token families.

use async_trait::async_trait;

use super::StoreResult;
use crate::{
    application::Application,
    credentials::SecretHash,
    domain::ApplicationId,
    session::{AuthorizationCode, Person, PersonState, Session},
};

/// A session with what its checks read beside it, in one round trip.
pub struct SessionView {
    pub application: Option<Application>,
    pub session: Option<Session>,
    pub person: Option<PersonState>,
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new code (only its hash), to expire with it.
    async fn put_code(&self, code: &AuthorizationCode) -> StoreResult<()>;

    async fn get_code(&self, code_hash: &SecretHash) -> StoreResult<Option<AuthorizationCode>>;

    /// Marks the code used and stores the session it starts, atomically;
    /// `VersionConflict` when the code was used meanwhile (or is gone).
    async fn start_session(&self, code: &AuthorizationCode, session: &Session) -> StoreResult<()>;

    async fn get_session(&self, session_id: &str) -> StoreResult<Option<Session>>;

    /// The application, session and person, in one read.
    async fn session_view(
        &self,
        application_id: ApplicationId,
        session_id: &str,
        person: Person,
    ) -> StoreResult<SessionView>;

    /// Replaces the session if it is still at `expected_version`.
    async fn update_session(&self, session: &Session, expected_version: u64) -> StoreResult<()>;

    /// Revokes the session (and so every token of its family) for good; a session
    /// that is gone stays gone.
    async fn revoke_session(&self, session_id: &str) -> StoreResult<()>;

    /// What the checks of a session need of its person.
    async fn person_state(&self, person: Person) -> StoreResult<Option<PersonState>>;
}
