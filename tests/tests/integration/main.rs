//! Every integration test but the round-trip count, in one binary: one link instead of
//! one per file, and each test builds its own stack, so none depends on another.

mod admin_auth;
mod audit;
mod bad_input;
mod confirmation;
mod consents;
mod customer_users;
mod directory;
mod events;
mod faults;
mod grid;
mod mail;
mod notifications;
mod oauth_apps;
mod openapi;
mod operations;
mod provision;
mod reset_limits;
mod roles;
mod routes;
mod sign_in;
mod sign_in_back_office;
mod sign_in_page;
mod storefront;
mod token;
mod token_service;
