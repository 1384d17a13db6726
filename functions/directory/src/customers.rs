use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use shared::{
    ApiError,
    directory::{Customer, check_parent},
    domain::Validation,
    domain::checked,
    domain::{CustomerId, Name, OrganizationId, UserId, now},
    http::{
        Admin, AdminPrincipal,
        scopes::{DirectoryRead, DirectoryWrite},
    },
    http::{IfMatch, JsonBody, QueryParams, Versioned, nullable, present, search_prefix},
    openapi::{ReadProblems, WriteProblems},
    paging::{Page, PageRequest},
    ports::CustomerFilter,
    rules::{inherited_sales_representatives, sales_representatives},
};

use shared::http::access;

use crate::DirectoryState;

/// Deeper hierarchies are refused rather than walked without end.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    /// Defaults to the caller's organization.
    pub organization_id: Option<OrganizationId>,
    pub name: String,
    /// Makes the new customer a subsidiary of this one (same organization).
    pub parent_id: Option<CustomerId>,
    /// Back-office users of the organization, at most 20; defaults to the parent's.
    #[schema(max_items = 20)]
    pub sales_representative_ids: Option<Vec<UserId>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// `null` makes the customer a top-level one.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<CustomerId>)]
    pub parent_id: Option<Option<CustomerId>>,
    /// Back-office users of the organization, at most 20.
    #[schema(max_items = 20)]
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub sales_representative_ids: Option<Vec<UserId>>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCustomers {
    /// Defaults to the caller's organization.
    pub organization_id: Option<String>,
    /// Only customers whose name starts with this (case-insensitive).
    #[param(max_length = 255)]
    pub name: Option<String>,
    /// Only the direct subsidiaries of this customer.
    pub parent_id: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The proposed parent, then its parent, up to the root.
async fn parent_chain(
    state: &DirectoryState,
    v: &mut Validation,
    organization_id: OrganizationId,
    parent_id: CustomerId,
) -> Result<Option<(Customer, Vec<CustomerId>)>, ApiError> {
    let Some(parent) = state.customers.get_customer(parent_id).await? else {
        v.add("parent_id", "no customer has this id");
        return Ok(None);
    };
    if parent.organization_id != organization_id {
        v.add("parent_id", "must be a customer of the same organization");
        return Ok(None);
    }
    let mut chain = vec![parent.id];
    let mut next = parent.parent_id;
    while let Some(id) = next {
        if chain.len() >= MAX_DEPTH || chain.contains(&id) {
            v.add(
                "parent_id",
                "the hierarchy above this parent is too deep or broken",
            );
            return Ok(None);
        }
        chain.push(id);
        next = state
            .customers
            .get_customer(id)
            .await?
            .and_then(|c| c.parent_id);
    }
    Ok(Some((parent, chain)))
}

/// Lists customers by name: of one organization, or the subsidiaries of one customer.
#[utoipa::path(
    get, path = "/admin/customers", operation_id = "listCustomers", tag = "customers",
    params(ListCustomers),
    security(("backend_token" = ["directory:read"])),
    responses((status = 200, description = "One page of customers", body = Page<Customer>), ReadProblems)
)]
pub async fn list(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryRead>,
    QueryParams(query): QueryParams<ListCustomers>,
) -> Result<Json<Page<Customer>>, ApiError> {
    let page = PageRequest::try_from((query.limit, query.cursor))?;
    let organization_id = access::organization_for_read(
        state.organizations.as_ref(),
        admin.principal(),
        query.organization_id.as_deref(),
    )
    .await?;
    let parent_id = match query.parent_id.as_deref() {
        None => None,
        Some(raw) => {
            let id: CustomerId = raw
                .parse()
                .map_err(|e: shared::domain::InvalidValue| ApiError::field("parent_id", e.0))?;
            // Subsidiaries are listed per parent: the parent must be visible.
            load(&state, admin.principal(), raw).await?;
            Some(id)
        }
    };
    let filter = CustomerFilter {
        organization_id,
        name_prefix: search_prefix("name", query.name)?,
        parent_id,
    };
    Ok(Json(state.customers.list_customers(&filter, &page).await?))
}

/// Creates a customer, optionally as a subsidiary of another.
#[utoipa::path(
    post, path = "/admin/customers", operation_id = "createCustomer", tag = "customers",
    request_body = CreateCustomer,
    security(("backend_token" = ["directory:write"])),
    responses((status = 201, description = "Created", body = Customer, headers(("ETag" = String), ("Location" = String, description = "The new record's path"))), WriteProblems)
)]
pub async fn create(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    JsonBody(body): JsonBody<CreateCustomer>,
) -> Result<Versioned<Customer>, ApiError> {
    let mut v = Validation::default();
    let organization_id = access::organization_for_write(
        state.organizations.as_ref(),
        admin.principal(),
        &mut v,
        body.organization_id,
    )
    .await?;
    let name = v.check("name", Name::parse(&body.name));
    let parent = match body.parent_id {
        Some(parent_id) => parent_chain(&state, &mut v, organization_id, parent_id)
            .await?
            .map(|(p, _)| p),
        None => None,
    };
    let sales_representative_ids = match (&body.sales_representative_ids, &parent) {
        (Some(ids), _) => {
            sales_representatives(state.users.as_ref(), &mut v, organization_id, ids, &[]).await?
        }
        (None, Some(parent)) => {
            inherited_sales_representatives(
                state.users.as_ref(),
                organization_id,
                &parent.sales_representative_ids,
            )
            .await?
        }
        (None, None) => Vec::new(),
    };
    v.finish()?;
    let at = now();
    let customer = Customer {
        id: CustomerId::generate(),
        organization_id,
        name: checked(name)?,
        parent_id: body.parent_id,
        sales_representative_ids,
        subsidiary_count: 0,
        customer_user_count: 0,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    state
        .customers
        .create_customer(&customer)
        .await
        .map_err(|e| match e {
            shared::ports::StoreError::NotFound => {
                ApiError::field("parent_id", "the parent customer was just deleted")
            }
            other => other.into(),
        })?;
    Ok(Versioned::created(
        format!("/admin/customers/{}", customer.id),
        customer.version,
        customer,
    ))
}

async fn load(
    state: &DirectoryState,
    admin: &AdminPrincipal,
    id: &str,
) -> Result<Customer, ApiError> {
    access::load(
        state.organizations.as_ref(),
        admin,
        id,
        "customer",
        |id| state.customers.get_customer(id),
        |c| c.organization_id,
    )
    .await
}

/// Reads one customer; its version is the `ETag`.
#[utoipa::path(
    get, path = "/admin/customers/{id}", operation_id = "getCustomer", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    security(("backend_token" = ["directory:read"])),
    responses((status = 200, description = "The customer", body = Customer, headers(("ETag" = String))), ReadProblems)
)]
pub async fn get(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryRead>,
    Path(id): Path<String>,
) -> Result<Versioned<Customer>, ApiError> {
    let customer = load(&state, admin.principal(), &id).await?;
    Ok(Versioned::ok(customer.version, customer))
}

/// Changes a customer. A new parent may be neither the customer nor one of its subsidiaries.
#[utoipa::path(
    patch, path = "/admin/customers/{id}", operation_id = "updateCustomer", tag = "customers",
    params(("id" = String, Path, description = "Customer id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = UpdateCustomer,
    security(("backend_token" = ["directory:write"])),
    responses((status = 200, description = "Updated", body = Customer, headers(("ETag" = String))), WriteProblems)
)]
pub async fn update(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<UpdateCustomer>,
) -> Result<Versioned<Customer>, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    let mut v = Validation::default();
    let mut customer = current.clone();
    if let Some(name) = body
        .name
        .as_deref()
        .and_then(|n| v.check("name", Name::parse(n)))
    {
        customer.name = name;
    }
    let mut ancestors = Vec::new();
    if let Some(parent_id) = body.parent_id {
        if let Some(parent_id) = parent_id.filter(|p| Some(*p) != current.parent_id) {
            if parent_id == customer.id {
                v.add(
                    "parent_id",
                    shared::directory::HierarchyError::OwnParent.to_string(),
                );
            } else if let Some((_, chain)) =
                parent_chain(&state, &mut v, customer.organization_id, parent_id).await?
            {
                if let Err(e) = check_parent(customer.id, &chain) {
                    v.add("parent_id", e.to_string());
                }
                ancestors = chain;
            }
        }
        customer.parent_id = parent_id;
    }
    if let Some(ids) = &body.sales_representative_ids {
        customer.sales_representative_ids = sales_representatives(
            state.users.as_ref(),
            &mut v,
            customer.organization_id,
            ids,
            &current.sales_representative_ids,
        )
        .await?;
    }
    v.finish()?;
    if customer == current {
        return Ok(Versioned::ok(current.version, current));
    }
    customer.updated_at = now();
    customer.version = current.version + 1;
    state
        .customers
        .update_customer(&customer, &current, &ancestors)
        .await
        .map_err(|e| match e {
            shared::ports::StoreError::NotFound => {
                ApiError::field("parent_id", "the parent customer was just deleted")
            }
            other => other.into(),
        })?;
    Ok(Versioned::ok(customer.version, customer))
}

/// Deletes a customer that has no subsidiaries and no customer users.
#[utoipa::path(
    delete, path = "/admin/customers/{id}", operation_id = "deleteCustomer", tag = "customers",
    params(("id" = String, Path, description = "Customer id"), ("If-Match" = String, Header, description = "The ETag last read")),
    security(("backend_token" = ["directory:write"])),
    responses((status = 204, description = "Deleted"), WriteProblems)
)]
pub async fn delete(
    State(state): State<DirectoryState>,
    admin: Admin<DirectoryWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    let current = load(&state, admin.principal(), &id).await?;
    if_match.check(current.version)?;
    state.customers.delete_customer(&current).await?;
    Ok(StatusCode::NO_CONTENT)
}
