//! Creating and changing a customer user: parse, check, store, notify. Shared by the
//! back office and the storefront.

use shared::{
    ApiError,
    customer_user::{
        CustomerUser, DeliveryStatus, LinkPurpose, Password, new_link, preferred_localization,
    },
    directory::Customer,
    domain::Validation,
    domain::{CustomerUserId, Email, Name, now},
    mail::Template,
    rules::{check_roles, inherited_sales_representatives},
};

use crate::{
    CustomerUsersState,
    input::{
        CreateCustomerUser, UpdateCustomerUser, optional_birthday, optional_localization,
        optional_name, optional_phone, parse_addresses,
    },
    rules,
    view::CustomerUserView,
};

/// Who is creating: the back office may pick any customer of an organization it may
/// act on; a storefront administrator only its own.
pub enum Creator<'a> {
    BackOffice(&'a shared::http::AdminPrincipal),
    Storefront(&'a CustomerUser),
}

pub async fn create(
    state: &CustomerUsersState,
    creator: Creator<'_>,
    body: CreateCustomerUser,
) -> Result<CustomerUserView, ApiError> {
    let mut v = Validation::default();
    let first_name = v.check("first_name", Name::parse(&body.first_name));
    let last_name = v.check("last_name", Name::parse(&body.last_name));
    let email = v.check("email", Email::parse(&body.email));
    let name_prefix = optional_name(&mut v, "name_prefix", body.name_prefix.as_deref());
    let middle_name = optional_name(&mut v, "middle_name", body.middle_name.as_deref());
    let name_suffix = optional_name(&mut v, "name_suffix", body.name_suffix.as_deref());
    let birthday = optional_birthday(&mut v, body.birthday.as_deref());
    let phone = optional_phone(&mut v, "phone", body.phone.as_deref());
    let chosen_localization = optional_localization(
        &mut v,
        "preferred_localization",
        body.preferred_localization.as_deref(),
    );
    let addresses = parse_addresses(&mut v, body.addresses);
    let password = match (
        body.password.as_deref(),
        body.generate_password.unwrap_or(false),
    ) {
        (Some(_), true) => {
            v.add(
                "password",
                "send either a password or generate_password, not both",
            );
            None
        }
        (Some(raw), false) => v.check("password", Password::parse(raw)).map(|p| p.hash()),
        (None, true) => Some(Password::generate().hash()),
        (None, false) => None,
    };

    let (customer, new_customer) = match (body.customer_id, body.customer_name.as_deref()) {
        (Some(id), None) if body.parent_customer_id.is_none() => {
            match rules::customer(state, &mut v, id).await? {
                Some(customer) => (customer, false),
                None => return Err(v.refusal()?.into()),
            }
        }
        (None, Some(name)) => {
            let organization_id = match &creator {
                Creator::BackOffice(admin) => admin.organization_id,
                Creator::Storefront(actor) => actor.organization_id,
            };
            match rules::new_customer(
                state,
                &mut v,
                name,
                body.parent_customer_id,
                organization_id,
            )
            .await?
            {
                Some(customer) => (customer, true),
                None => {
                    return Err(v.refusal()?.into());
                }
            }
        }
        _ => {
            return Err(ApiError::field(
                "customer_id",
                "send either customer_id (an existing customer) or customer_name, with parent_customer_id for a subsidiary (a new customer)",
            ));
        }
    };
    match creator {
        Creator::BackOffice(admin) => {
            shared::http::access::ensure_organization(
                state.organizations.as_ref(),
                admin,
                customer.organization_id,
            )
            .await?;
        }
        Creator::Storefront(actor) if actor.customer_id != customer.id => {
            return Err(ApiError::Forbidden(
                "customer administrators manage users of their own customer only".into(),
            ));
        }
        Creator::Storefront(_) => {}
    }
    let Some(website) =
        rules::website(state, &mut v, customer.organization_id, body.website_id).await?
    else {
        return Err(v.refusal()?.into());
    };
    let (Some(first_name), Some(last_name), Some(email)) = (first_name, last_name, email) else {
        return Err(v.refusal()?.into());
    };
    let sales_given = body.sales_representative_ids.is_some();
    let at = now();
    let mut user = CustomerUser {
        id: CustomerUserId::generate(),
        organization_id: customer.organization_id,
        customer_id: customer.id,
        website_id: website.id,
        name_prefix,
        first_name,
        middle_name,
        last_name,
        name_suffix,
        email,
        birthday,
        phone,
        sales_representative_ids: match body.sales_representative_ids {
            Some(ids) => ids,
            None => {
                inherited_sales_representatives(
                    state.users.as_ref(),
                    customer.organization_id,
                    &customer.sales_representative_ids,
                )
                .await?
            }
        },
        preferred_localization: preferred_localization(chosen_localization, &website),
        role_ids: dedup(body.role_ids.unwrap_or_default()),
        enabled: body.enabled.unwrap_or(true),
        confirmed: body.confirmed.unwrap_or(true),
        password,
        password_reset_required: false,
        addresses,
        consents: vec![],
        application_count: 0,
        sessions_valid_after: None,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    check_roles(state.roles.as_ref(), &mut v, &user).await?;
    rules::check_localization(&mut v, &user, &website);
    if sales_given {
        rules::check_sales_representatives(state, &mut v, &mut user, &[]).await?;
    }
    v.finish()?;

    // An unconfirmed user (as a storefront registration makes) is asked to confirm;
    // otherwise the welcome email, when asked for, lets the user choose a password.
    let email = if !user.confirmed {
        Some((
            Template::Confirmation,
            new_link(&user, LinkPurpose::Confirmation, state.links.confirmation),
        ))
    } else if body.send_welcome_email.unwrap_or(false) {
        Some((
            Template::Welcome,
            new_link(&user, LinkPurpose::Welcome, state.links.welcome),
        ))
    } else {
        None
    };
    let links: Vec<_> = email.iter().map(|(_, (_, link))| link.clone()).collect();
    let created_customer = new_customer.then(|| Customer {
        customer_user_count: 1,
        ..customer.clone()
    });
    state
        .customer_users
        .create_customer_user(&user, created_customer.as_ref(), &links)
        .await
        .map_err(|e| match e {
            shared::ports::StoreError::NotFound => {
                ApiError::field("customer_id", "the customer was just deleted")
            }
            other => other.into(),
        })?;
    let mut warnings = Vec::new();
    if let Some((template, (token, link))) = &email {
        let sent = state
            .notifier
            .send_link(&user, &website, *template, token, link)
            .await;
        if sent.status == DeliveryStatus::Failed {
            warnings.push(format!(
                "the {} email could not be sent; the user was saved and can be sent the email again",
                template.name()
            ));
        }
    }
    let mut view = CustomerUserView::of(user);
    view.warnings = warnings;
    Ok(view)
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut unique = Vec::new();
    for item in items {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    unique
}

/// Applies a change, checks every rule again and stores it.
pub async fn update(
    state: &CustomerUsersState,
    current: &CustomerUser,
    body: UpdateCustomerUser,
) -> Result<CustomerUser, ApiError> {
    let mut v = Validation::default();
    let mut user = current.clone();
    let mut drop_links = false;
    if let Some(name) = body
        .first_name
        .as_deref()
        .and_then(|n| v.check("first_name", Name::parse(n)))
    {
        user.first_name = name;
    }
    if let Some(name) = body
        .last_name
        .as_deref()
        .and_then(|n| v.check("last_name", Name::parse(n)))
    {
        user.last_name = name;
    }
    if let Some(raw) = body.name_prefix {
        user.name_prefix = optional_name(&mut v, "name_prefix", raw.as_deref());
    }
    if let Some(raw) = body.middle_name {
        user.middle_name = optional_name(&mut v, "middle_name", raw.as_deref());
    }
    if let Some(raw) = body.name_suffix {
        user.name_suffix = optional_name(&mut v, "name_suffix", raw.as_deref());
    }
    if let Some(email) = body
        .email
        .as_deref()
        .and_then(|e| v.check("email", Email::parse(e)))
    {
        drop_links |= email.normalized() != current.email.normalized();
        user.email = email;
    }
    if let Some(raw) = body.birthday {
        user.birthday = optional_birthday(&mut v, raw.as_deref());
    }
    if let Some(raw) = body.phone {
        user.phone = optional_phone(&mut v, "phone", raw.as_deref());
    }
    let localization_changed = body.preferred_localization.is_some();
    if let Some(raw) = body.preferred_localization {
        user.preferred_localization =
            optional_localization(&mut v, "preferred_localization", raw.as_deref());
    }
    if let Some(raw) = body.password.as_deref()
        && let Some(password) = v.check("password", Password::parse(raw))
    {
        user.password = Some(password.hash());
        drop_links = true;
    }
    if let Some(role_ids) = body.role_ids {
        user.role_ids = dedup(role_ids);
    }
    user.enabled = body.enabled.unwrap_or(user.enabled);
    // A link sent before the account was disabled must not work again once re-enabled.
    drop_links |= current.enabled && !user.enabled;
    // Nor a sign-in session, which also ends with a new password.
    if (current.enabled && !user.enabled) || user.password != current.password {
        user.sessions_valid_after = Some(now());
    }
    user.confirmed = body.confirmed.unwrap_or(user.confirmed);
    if let Some(ids) = body.sales_representative_ids.clone() {
        user.sales_representative_ids = ids;
    }
    if let Some(customer_id) = body.customer_id.filter(|c| *c != current.customer_id) {
        match rules::customer(state, &mut v, customer_id).await? {
            Some(Customer {
                organization_id, ..
            }) if organization_id != current.organization_id => {
                v.add(
                    "customer_id",
                    "must be a customer of the user's organization",
                );
            }
            Some(customer) => user.customer_id = customer.id,
            None => {}
        }
    }
    // Only what the request touches is checked again, so that data gone stale meanwhile
    // (a website added with new localizations) never blocks an unrelated change, such
    // as disabling the user.
    let website_changed = body.website_id.is_some_and(|w| w != current.website_id);
    if website_changed || localization_changed {
        let website_id = body.website_id.unwrap_or(current.website_id);
        if let Some(website) =
            rules::website(state, &mut v, current.organization_id, Some(website_id)).await?
        {
            user.website_id = website.id;
            if localization_changed && user.preferred_localization.is_none() {
                // `null` goes back to the website's default.
                user.preferred_localization = preferred_localization(None, &website);
            }
            rules::check_localization(&mut v, &user, &website);
        }
    }
    // A role may belong to the user's customer: a move to another customer checks them.
    if user.role_ids != current.role_ids
        || user.customer_id != current.customer_id
        || (user.enabled && !current.enabled)
    {
        check_roles(state.roles.as_ref(), &mut v, &user).await?;
    }
    if body.sales_representative_ids.is_some() {
        rules::check_sales_representatives(
            state,
            &mut v,
            &mut user,
            &current.sales_representative_ids,
        )
        .await?;
    }
    v.finish()?;
    if user == *current {
        return Ok(user);
    }
    user.updated_at = now();
    user.version = current.version + 1;
    let applications = rules::applications_following(state, &mut user, current).await?;
    state
        .customer_users
        .update_customer_user(&user, current, &applications, drop_links)
        .await?;
    if user.email.normalized() != current.email.normalized() {
        tell_the_previous_address(state, &user, &current.email).await;
    }
    Ok(user)
}

/// Whoever changed the email, the address that held the account hears of it: an
/// account moved to someone else's mailbox must not go unnoticed. The change is made
/// by then, so a failure here is logged, not answered.
async fn tell_the_previous_address(
    state: &CustomerUsersState,
    user: &CustomerUser,
    previous: &shared::domain::Email,
) {
    let website = match state.websites.get_website(user.website_id).await {
        Ok(Some(website)) => website,
        Ok(None) => {
            tracing::warn!(customer_user_id = %user.id, "no website to name in the email-changed notice");
            return;
        }
        Err(error) => {
            tracing::warn!(customer_user_id = %user.id, %error, "the email-changed notice was not sent");
            return;
        }
    };
    state
        .notifier
        .send_to(
            user,
            previous,
            &website,
            Template::EmailChanged,
            &[("new_email", user.email.as_str())],
        )
        .await;
}
