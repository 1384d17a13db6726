//! Customer users on the single table: the profile item, its email guard, its
//! customer's count, pending links and the notification log, all in its partition.

use std::{collections::BTreeSet, ops::Range};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::{DynamoStore, Filter, Item, backend, from_item, s, to_item};
use crate::{
    application::{Application, Owner},
    customer_user::{CustomerUser, LinkPurpose, Notification, OneTimeLink},
    directory::Customer,
    domain::CustomerUserId,
    paging::{Page, PageRequest},
    ports::{
        CustomerUserQuery, CustomerUserSort, CustomerUserStore, Dependency, StoreError,
        StoreResult, Unique,
    },
    store::item_keys,
};

/// The customer user as the owner of applications.
fn owner_of(user: &CustomerUser) -> Owner {
    Owner::Frontend {
        customer_user_id: user.id,
    }
}

/// The profile with the case-folded copies its filters compare against.
pub(super) fn profile_item(user: &CustomerUser) -> StoreResult<Item> {
    let mut item = to_item(user, &item_keys::customer_user(user))?;
    item.insert("email_lc".into(), s(user.email.normalized()));
    item.insert(
        "first_name_lc".into(),
        s(user.first_name.as_str().to_lowercase()),
    );
    item.insert(
        "last_name_lc".into(),
        s(user.last_name.as_str().to_lowercase()),
    );
    Ok(item)
}

fn guard_item(user: &CustomerUser) -> StoreResult<Item> {
    let guard =
        item_keys::customer_user_email_guard(user.organization_id, &user.email.normalized());
    to_item(&serde_json::json!({ "customer_user_id": user.id }), &guard)
}

fn prefix_filter(
    placeholder: &'static str,
    attribute: &'static str,
    name: &'static str,
    prefix: &str,
) -> Filter {
    Filter {
        expression: format!("begins_with({name}, {placeholder})"),
        names: vec![(name, attribute)],
        values: vec![(placeholder, s(prefix.to_lowercase()))],
    }
}

fn equal_filter(
    placeholder: &'static str,
    attribute: &'static str,
    name: &'static str,
    value: AttributeValue,
) -> Filter {
    Filter {
        expression: format!("{name} = {placeholder}"),
        names: vec![(name, attribute)],
        values: vec![(placeholder, value)],
    }
}

/// The records that count a customer user: its roles, its accepted consents and its
/// website, by partition key.
#[derive(Default)]
struct CountedBy {
    roles: BTreeSet<String>,
    consents: BTreeSet<String>,
    website: BTreeSet<String>,
}

fn counted_by(user: &CustomerUser) -> CountedBy {
    CountedBy {
        roles: user
            .role_ids
            .iter()
            .map(|id| item_keys::role_pk(*id))
            .collect(),
        consents: user
            .consents
            .iter()
            .map(|a| item_keys::consent_pk(a.consent_id))
            .collect(),
        website: BTreeSet::from([item_keys::website_pk(user.website_id)]),
    }
}

/// Where the counter moves of a customer user's write sit in its transaction.
struct CountMoves {
    roles: Range<usize>,
    consents: Range<usize>,
    website: Range<usize>,
    /// The count taken from the website the user leaves: left out if that website is
    /// gone (deleted before websites counted their users).
    website_left: Option<usize>,
}

impl CountMoves {
    /// Why the counter update at `index` failed, if it is one: its record is gone.
    fn gone(&self, index: usize) -> Option<StoreError> {
        let dependency = if self.roles.contains(&index) {
            Dependency::Role
        } else if self.consents.contains(&index) {
            Dependency::Consent
        } else if self.website.contains(&index) {
            Dependency::Website
        } else {
            return None;
        };
        Some(StoreError::Moved(dependency))
    }
}

impl DynamoStore {
    /// Moves the counts on the records `user` gained and lost against `previous` (each
    /// must still exist), and says where these writes sit in the transaction.
    fn count_moves(
        &self,
        writes: &mut Vec<TransactWriteItem>,
        user: Option<&CustomerUser>,
        previous: Option<&CustomerUser>,
    ) -> StoreResult<CountMoves> {
        let now = user.map(counted_by).unwrap_or_default();
        let before = previous.map(counted_by).unwrap_or_default();
        let roles = self.moves(
            writes,
            &now.roles,
            &before.roles,
            item_keys::SK_ROLE,
            "user_count",
        )?;
        let consents = self.moves(
            writes,
            &now.consents,
            &before.consents,
            item_keys::SK_CONSENT,
            "acceptance_count",
        )?;
        let website = self.moves(
            writes,
            &now.website,
            &before.website,
            item_keys::SK_WEBSITE,
            "customer_user_count",
        )?;
        // `moves` writes the gains first, then the losses: one website at most each.
        let website_left =
            (now.website != before.website && !before.website.is_empty()).then(|| website.end - 1);
        Ok(CountMoves {
            roles,
            consents,
            website,
            website_left,
        })
    }

    /// Adds one to `counter` of each item in `now` and not in `before`, and takes one
    /// from each the other way round.
    fn moves(
        &self,
        writes: &mut Vec<TransactWriteItem>,
        now: &BTreeSet<String>,
        before: &BTreeSet<String>,
        sk: &str,
        counter: &str,
    ) -> StoreResult<Range<usize>> {
        let start = writes.len();
        let gained = now.difference(before).map(|pk| (pk, 1));
        let lost = before.difference(now).map(|pk| (pk, -1));
        for (pk, delta) in gained.chain(lost) {
            writes.push(self.add_to_counter(pk.clone(), sk, counter, delta)?);
        }
        Ok(start..writes.len())
    }
}

#[async_trait]
impl CustomerUserStore for DynamoStore {
    async fn create_customer_user(
        &self,
        user: &CustomerUser,
        new_customer: Option<&Customer>,
        links: &[OneTimeLink],
    ) -> StoreResult<()> {
        let mut writes = vec![
            self.put_new_item(profile_item(user)?)?,
            self.put_new_item(guard_item(user)?)?,
        ];
        match new_customer {
            None => writes.push(self.add_to_counter(
                item_keys::customer_pk(user.customer_id),
                item_keys::SK_CUSTOMER,
                "customer_user_count",
                1,
            )?),
            Some(customer) => {
                writes.push(self.put_new_item(to_item(customer, &item_keys::customer(customer))?)?);
                if let Some(parent) = customer.parent_id {
                    writes.push(self.add_to_counter(
                        item_keys::customer_pk(parent),
                        item_keys::SK_CUSTOMER,
                        "subsidiary_count",
                        1,
                    )?);
                }
            }
        }
        let counted = self.count_moves(&mut writes, Some(user), None)?;
        for link in links {
            writes.push(self.put_item_unconditionally(super::links::link_item(link)?)?);
        }
        self.transact(writes, &|index| match index {
            0 => StoreError::Taken(Unique::Id),
            1 => StoreError::Taken(Unique::CustomerUserEmail),
            i => counted.gone(i).unwrap_or(StoreError::NotFound),
        })
        .await
    }

    async fn customer_user_with_notifications(
        &self,
        id: CustomerUserId,
        limit: u16,
    ) -> StoreResult<Option<(CustomerUser, Vec<Notification>)>> {
        // Newest first, the partition reads PROFILE, then NOTIFICATION#..., then LINK#...:
        // the profile and the newest entries of the log come in one Query.
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(item_keys::customer_user_pk(id)))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(i32::from(limit) + 1)
            .send()
            .await
            .map_err(backend)?;
        self.count_reads(output.scanned_count.max(0) as u64);
        let mut profile = None;
        let mut notifications = Vec::new();
        for item in output.items.unwrap_or_default() {
            let sk = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if sk == item_keys::SK_CUSTOMER_USER {
                profile = Some(from_item::<CustomerUser>(item)?);
            } else if sk.starts_with(item_keys::NOTIFICATION_PREFIX) {
                notifications.push(from_item::<Notification>(item)?);
            }
        }
        Ok(profile.map(|p| (p, notifications)))
    }

    async fn get_customer_user(&self, id: CustomerUserId) -> StoreResult<Option<CustomerUser>> {
        self.get(item_keys::customer_user_pk(id), item_keys::SK_CUSTOMER_USER)
            .await
    }

    async fn update_customer_user(
        &self,
        user: &CustomerUser,
        previous: &CustomerUser,
        applications: &[Application],
        drop_links: bool,
    ) -> StoreResult<()> {
        let mut writes = vec![self.owner_record_write(
            profile_item(user)?,
            previous.version,
            user.application_count,
            user.enabled != previous.enabled,
        )?];
        let email_changed = user.email.normalized() != previous.email.normalized();
        if email_changed {
            writes.push(self.put_new_item(guard_item(user)?)?);
            let old = item_keys::customer_user_email_guard(
                previous.organization_id,
                &previous.email.normalized(),
            );
            writes.push(self.delete_item(old.pk, &old.sk, None)?);
        }
        if user.customer_id != previous.customer_id {
            writes.push(self.add_to_counter(
                item_keys::customer_pk(previous.customer_id),
                item_keys::SK_CUSTOMER,
                "customer_user_count",
                -1,
            )?);
            writes.push(self.add_to_counter(
                item_keys::customer_pk(user.customer_id),
                item_keys::SK_CUSTOMER,
                "customer_user_count",
                1,
            )?);
        }
        let counted = self.count_moves(&mut writes, Some(user), Some(previous))?;
        let start = writes.len();
        for application in applications {
            let item = to_item(application, &item_keys::application(application))?;
            writes.push(self.put_versioned_item(item, application.version - 1)?);
        }
        let written_applications = start..writes.len();
        if drop_links {
            for purpose in LinkPurpose::ALL {
                writes.push(self.delete_item(
                    item_keys::customer_user_pk(user.id),
                    &item_keys::link_sk(purpose),
                    None,
                )?);
            }
        }
        let result = self
            .transact_without_if_failed(writes, counted.website_left, &|index| {
                if let Some(gone) = counted.gone(index) {
                    return gone;
                }
                match (index, email_changed) {
                    (1, true) => StoreError::Taken(Unique::CustomerUserEmail),
                    (0, _) => StoreError::VersionConflict,
                    (i, _) if written_applications.contains(&i) => {
                        StoreError::Moved(Dependency::OwnerApplications)
                    }
                    _ => StoreError::Moved(Dependency::Customer),
                }
            })
            .await;
        match result {
            Err(StoreError::VersionConflict) => Err(self
                .owner_conflict(owner_of(user), previous.version)
                .await?),
            other => other,
        }
    }

    async fn delete_customer_user(
        &self,
        user: &CustomerUser,
        applications: &[Application],
    ) -> StoreResult<()> {
        let guard =
            item_keys::customer_user_email_guard(user.organization_id, &user.email.normalized());
        let mut writes = vec![
            self.delete_owner_item(owner_of(user), user.version, applications)?,
            self.delete_item(guard.pk, &guard.sk, None)?,
            self.add_to_counter(
                item_keys::customer_pk(user.customer_id),
                item_keys::SK_CUSTOMER,
                "customer_user_count",
                -1,
            )?,
        ];
        let counted = self.count_moves(&mut writes, None, Some(user))?;
        let start = writes.len();
        writes.extend(self.application_deletes(applications)?);
        let result = self
            .transact_without_if_failed(writes, counted.website_left, &|index| match index {
                0 => StoreError::VersionConflict,
                i if i >= start => StoreError::Moved(Dependency::OwnerApplications),
                _ => StoreError::NotFound,
            })
            .await;
        match result {
            Err(StoreError::VersionConflict) => {
                return Err(self.owner_conflict(owner_of(user), user.version).await?);
            }
            other => other?,
        }
        // The profile is gone, so nothing can add to the partition any more: clear
        // what is left of it (links, notification log) in batches.
        self.delete_partition(item_keys::customer_user_pk(user.id))
            .await
    }

    async fn list_customer_users(
        &self,
        query: &CustomerUserQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUser>> {
        let org = query.organization_id;
        let mut filters = Vec::new();
        let customer = query
            .customer_id
            .map(|c| equal_filter(":customer", "customer_id", "#customer", s(c.to_string())));
        let email = query.email_prefix.as_deref().filter(|p| !p.is_empty());
        let first = query.first_name_prefix.as_deref().filter(|p| !p.is_empty());
        let last = query.last_name_prefix.as_deref().filter(|p| !p.is_empty());
        let enabled = query
            .enabled
            .map(|e| equal_filter(":enabled", "enabled", "#enabled", AttributeValue::Bool(e)));
        let confirmed = query.confirmed.map(|c| {
            equal_filter(
                ":confirmed",
                "confirmed",
                "#confirmed",
                AttributeValue::Bool(c),
            )
        });

        if query.sort == CustomerUserSort::CreatedAt {
            filters.extend(customer);
            filters.extend(email.map(|p| prefix_filter(":email", "email_lc", "#email", p)));
            filters.extend(first.map(|p| prefix_filter(":first", "first_name_lc", "#first", p)));
            filters.extend(last.map(|p| prefix_filter(":last", "last_name_lc", "#last", p)));
            filters.extend(enabled);
            filters.extend(confirmed);
            return self
                .query_filtered(
                    1,
                    item_keys::customer_users_of(org),
                    None,
                    &filters,
                    true,
                    page,
                )
                .await;
        }

        // The first filter present picks the index partition; the others narrow it.
        let (index, partition, prefix) = if let Some(customer_id) = query.customer_id {
            (2, item_keys::customer_users_of_customer(customer_id), email)
        } else if email.is_some() {
            (0, item_keys::customer_users_of(org), email)
        } else if first.is_some() {
            (3, item_keys::customer_users_by_first_name(org), first)
        } else if last.is_some() {
            (4, item_keys::customer_users_by_last_name(org), last)
        } else if let Some(e) = query.enabled {
            (5, item_keys::customer_users_enabled(org, e), None)
        } else if let Some(c) = query.confirmed {
            (6, item_keys::customer_users_confirmed(org, c), None)
        } else {
            (0, item_keys::customer_users_of(org), None)
        };
        if index != 0 && index != 2 {
            filters.extend(email.map(|p| prefix_filter(":email", "email_lc", "#email", p)));
        }
        if index != 3 {
            filters.extend(first.map(|p| prefix_filter(":first", "first_name_lc", "#first", p)));
        }
        if index != 4 {
            filters.extend(last.map(|p| prefix_filter(":last", "last_name_lc", "#last", p)));
        }
        if index != 5 {
            filters.extend(enabled);
        }
        if index != 6 {
            filters.extend(confirmed);
        }
        // A customer partition holds users of that customer only, but a customer of
        // another organization must not leak through it.
        if index == 2 {
            filters.push(equal_filter(
                ":org",
                "organization_id",
                "#org",
                s(org.to_string()),
            ));
        }
        self.query_filtered(index, partition, prefix, &filters, true, page)
            .await
    }

    async fn list_notifications(
        &self,
        id: CustomerUserId,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>> {
        self.notifications_page(item_keys::customer_user_pk(id), page)
            .await
    }

    async fn record_notification(
        &self,
        customer_user_id: CustomerUserId,
        notification: &Notification,
    ) -> StoreResult<()> {
        self.write_notification(
            item_keys::customer_user_pk(customer_user_id),
            item_keys::SK_CUSTOMER_USER,
            notification,
        )
        .await
    }
}

#[async_trait]
impl crate::ports::CustomerUserLookup for DynamoStore {
    async fn customer_user_by_email(
        &self,
        organization_id: crate::domain::OrganizationId,
        email: &crate::domain::Email,
    ) -> StoreResult<Option<CustomerUser>> {
        #[derive(serde::Deserialize)]
        struct Guard {
            customer_user_id: CustomerUserId,
        }
        let guard = item_keys::customer_user_email_guard(organization_id, &email.normalized());
        let found: Option<Guard> = self.get(guard.pk, &guard.sk).await?;
        // An unknown email still costs the second read, of a key that never exists.
        let id = found.map(|g| g.customer_user_id);
        let user = self
            .get::<CustomerUser>(
                item_keys::customer_user_pk(
                    id.unwrap_or_else(crate::customer_user::decoy_customer_user_id),
                ),
                item_keys::SK_CUSTOMER_USER,
            )
            .await?;
        Ok(user.filter(|_| id.is_some()))
    }
}
