//! `GET /admin/customer-users/{id}/notifications`: a customer user's email log, page by
//! page (scope `customer_users:read`). The single-user view embeds only the newest 20.

use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;
use shared::{
    ApiError,
    customer_user::Notification,
    http::{Admin, QueryParams, scopes::CustomerUsersRead},
    openapi::ReadProblems,
    paging::{Page, PageRequest},
};

use crate::{CustomerUsersState, admin::load};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListNotifications {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The emails sent to a customer user (what, when, whether it went out), newest first.
#[utoipa::path(
    get, path = "/admin/customer-users/{id}/notifications", operation_id = "listCustomerUserNotifications", tag = "customer-users",
    params(("id" = String, Path, description = "Customer user id"), ListNotifications),
    security(("backend_token" = ["customer_users:read"])),
    responses((status = 200, description = "One page of the email log, newest first", body = Page<Notification>), ReadProblems)
)]
pub async fn list(
    State(state): State<CustomerUsersState>,
    admin: Admin<CustomerUsersRead>,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<ListNotifications>,
) -> Result<Json<Page<Notification>>, ApiError> {
    let page = PageRequest::try_from((query.limit, query.cursor))?;
    let user = load(&state, admin.principal(), &id).await?;
    Ok(Json(
        state
            .customer_users
            .list_notifications(user.id, &page)
            .await?,
    ))
}
