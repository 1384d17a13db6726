//! The common library of every function: domain types and rules, ports (traits) with
//! their AWS adapters, and the HTTP edge (errors, bodies, paging, auth).

pub mod application;
pub mod audit;
pub mod auth;
pub mod aws;
pub mod config;
pub mod consent;
pub mod credentials;
pub mod customer_user;
pub mod directory;
pub mod domain;
pub mod error;
pub mod http;
pub mod key_source;
mod layers;
pub mod logging;
pub mod mail;
pub mod notifier;
pub mod openapi;
pub mod paging;
pub mod ports;
pub mod provision;
pub mod rules;
pub mod services;
pub mod session;
pub mod store;

pub use error::ApiError;
