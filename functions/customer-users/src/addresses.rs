//! `/admin/customer-users/{id}/addresses`: addresses belong to the customer user's
//! record, so their `ETag` is the customer user's version.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use shared::{
    ApiError,
    customer_user::{Address, CustomerUser, MAX_ADDRESSES, upsert_address},
    domain::Validation,
    domain::checked,
    domain::{AddressId, now},
    http::access,
    http::{
        Admin,
        scopes::{CustomerUsersRead, CustomerUsersWrite},
    },
    http::{IfMatch, JsonBody, NoParams, QueryParams, Versioned},
    openapi::{ReadProblems, WriteProblems},
};

use crate::{
    CustomerUsersState,
    admin::load,
    input::{AddressInput, AddressPatch},
};

/// The addresses of one customer user.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AddressList {
    pub items: Vec<Address>,
}

async fn save(
    state: &CustomerUsersState,
    current: &CustomerUser,
    addresses: Vec<Address>,
) -> Result<CustomerUser, ApiError> {
    let mut user = current.clone();
    user.addresses = addresses;
    if user == *current {
        return Ok(user);
    }
    user.updated_at = now();
    user.version = current.version + 1;
    state
        .customer_users
        .update_customer_user(&user, current, &[], false)
        .await?;
    Ok(user)
}

fn address_id(raw: &str) -> Result<AddressId, ApiError> {
    raw.parse().map_err(|_| access::not_found("address"))
}

/// Lists a customer user's addresses.
#[utoipa::path(
    get, path = "/admin/customer-users/{id}/addresses", operation_id = "listCustomerUserAddresses", tag = "customer-users",
    params(("id" = String, Path, description = "Customer user id")),
    security(("backend_token" = ["customer_users:read"])),
    responses((status = 200, description = "The addresses", body = AddressList, headers(("ETag" = String))), ReadProblems)
)]
pub async fn list(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersRead>,
    Path(id): Path<String>,
    _: QueryParams<NoParams>,
) -> Result<Versioned<AddressList>, ApiError> {
    let user = load(&state, admin.principal(), &id).await?;
    Ok(Versioned::ok(
        user.version,
        AddressList {
            items: user.addresses,
        },
    ))
}

/// Adds an address. A new default billing or shipping address replaces the old default.
#[utoipa::path(
    post, path = "/admin/customer-users/{id}/addresses", operation_id = "createCustomerUserAddress", tag = "customer-users",
    params(("id" = String, Path, description = "Customer user id"), ("If-Match" = Option<String>, Header, description = "The customer user's ETag (optional)")),
    request_body = AddressInput,
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 201, description = "Added", body = Address, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))), WriteProblems)
)]
pub async fn create(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersWrite>,
    Path(id): Path<String>,
    if_match: Option<IfMatch>,
    JsonBody(body): JsonBody<AddressInput>,
) -> Result<Versioned<Address>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if let Some(if_match) = if_match {
        if_match.check(current.version)?;
    }
    if current.addresses.len() >= MAX_ADDRESSES {
        return Err(ApiError::Conflict(format!(
            "a customer user has at most {MAX_ADDRESSES} addresses: delete one first"
        )));
    }
    let mut v = Validation::default();
    let address = body.parse(&mut v, "", AddressId::generate());
    v.finish()?;
    let address = checked(address)?;
    let mut addresses = current.addresses.clone();
    upsert_address(&mut addresses, address.clone());
    let user = save(&state, &current, addresses).await?;
    // An address is part of its user: the user's history shows it added.
    shared::http::audit::names(user.id);
    Ok(Versioned::created(
        format!("/admin/customer-users/{}/addresses/{}", user.id, address.id),
        user.version,
        address,
    ))
}

/// Changes an address.
#[utoipa::path(
    patch, path = "/admin/customer-users/{id}/addresses/{addressId}", operation_id = "updateCustomerUserAddress", tag = "customer-users",
    params(
        ("id" = String, Path, description = "Customer user id"),
        ("addressId" = String, Path, description = "Address id"),
        ("If-Match" = String, Header, description = "The customer user's ETag")
    ),
    request_body = AddressPatch,
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 200, description = "Changed", body = Address, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersWrite>,
    Path((id, address_id_raw)): Path<(String, String)>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<AddressPatch>,
) -> Result<Versioned<Address>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    let address_id = address_id(&address_id_raw)?;
    let existing = current
        .addresses
        .iter()
        .find(|a| a.id == address_id)
        .cloned()
        .ok_or_else(|| access::not_found("address"))?;
    if_match.check(current.version)?;
    let mut v = Validation::default();
    let address = body.apply(&mut v, existing);
    v.finish()?;
    let address = checked(address)?;
    let mut addresses = current.addresses.clone();
    upsert_address(&mut addresses, address.clone());
    let user = save(&state, &current, addresses).await?;
    Ok(Versioned::ok(user.version, address))
}

/// Deletes an address.
#[utoipa::path(
    delete, path = "/admin/customer-users/{id}/addresses/{addressId}", operation_id = "deleteCustomerUserAddress", tag = "customer-users",
    params(
        ("id" = String, Path, description = "Customer user id"),
        ("addressId" = String, Path, description = "Address id"),
        ("If-Match" = String, Header, description = "The customer user's ETag")
    ),
    security(("backend_token" = ["customer_users:write"])),
    responses((status = 204, description = "Deleted"), WriteProblems)
)]
pub async fn delete(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersWrite>,
    Path((id, address_id_raw)): Path<(String, String)>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    let address_id = address_id(&address_id_raw)?;
    if !current.addresses.iter().any(|a| a.id == address_id) {
        return Err(access::not_found("address"));
    }
    if_match.check(current.version)?;
    let addresses = current
        .addresses
        .iter()
        .filter(|a| a.id != address_id)
        .cloned()
        .collect();
    save(&state, &current, addresses).await?;
    Ok(StatusCode::NO_CONTENT)
}
