//! Customer-user roles and their counters (holders, websites giving them by default).

use super::*;

/// The counters of a role: its holders, and the websites that give it by default.
pub(super) const ROLE_COUNTERS: &[&str] = &["user_count", "default_for_websites"];

/// The role with the flag the storefront's role list filters on (a role of no customer).
pub(super) fn role_item(role: &CustomerUserRole) -> StoreResult<Item> {
    let mut item = to_item(role, &item_keys::role(role))?;
    item.insert(
        "system_role".into(),
        AttributeValue::Bool(role.customer_id.is_none()),
    );
    Ok(item)
}

#[async_trait]
impl RoleStore for DynamoStore {
    async fn create_role(&self, role: &CustomerUserRole) -> StoreResult<()> {
        self.put_new(role_item(role)?).await
    }

    async fn get_role(&self, id: RoleId) -> StoreResult<Option<CustomerUserRole>> {
        self.get(item_keys::role_pk(id), item_keys::SK_ROLE).await
    }

    async fn get_roles(&self, ids: &[RoleId]) -> StoreResult<Vec<CustomerUserRole>> {
        let mut unique: Vec<RoleId> = ids.to_vec();
        unique.sort();
        unique.dedup();
        let mut roles = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(100) {
            let keys = chunk
                .iter()
                .map(|id| key(item_keys::role_pk(*id), item_keys::SK_ROLE))
                .collect();
            for item in self.batch_get(keys).await? {
                roles.push(from_item(item)?);
            }
        }
        Ok(roles)
    }

    async fn update_role(
        &self,
        role: &CustomerUserRole,
        previous: &CustomerUserRole,
    ) -> StoreResult<()> {
        if self
            .put_counted(role_item(role)?, previous.version, ROLE_COUNTERS)
            .await?
        {
            return Ok(());
        }
        match self.get_role(role.id).await? {
            None => Err(StoreError::NotFound),
            Some(_) => Err(StoreError::VersionConflict),
        }
    }

    async fn delete_role(&self, role: &CustomerUserRole) -> StoreResult<()> {
        if self
            .delete_uncounted(
                item_keys::role_pk(role.id),
                item_keys::SK_ROLE,
                role.version,
                ROLE_COUNTERS,
            )
            .await?
        {
            return Ok(());
        }
        // Say why: a user was given the role, or the role changed or went away.
        match self.get_role(role.id).await? {
            None => Err(StoreError::NotFound),
            Some(current) if current.user_count > 0 => {
                Err(StoreError::InUse(Reference::RoleHolders))
            }
            Some(current) if current.default_for_websites > 0 => {
                Err(StoreError::InUse(Reference::RoleDefaultForWebsites))
            }
            Some(_) => Err(StoreError::VersionConflict),
        }
    }

    async fn list_roles(
        &self,
        filter: &RoleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUserRole>> {
        let prefix = filter.label_prefix.as_deref();
        match filter.customer_id {
            Some(customer_id) => {
                // The customer's partition holds only its organization's roles; the
                // filter keeps another organization's customer out of reach.
                let same_organization = Filter {
                    expression: "#org = :org".into(),
                    names: vec![("#org", "organization_id")],
                    values: vec![(":org", s(filter.organization_id.to_string()))],
                };
                self.query_filtered(
                    1,
                    item_keys::roles_of_customer(customer_id),
                    prefix,
                    &[same_organization],
                    true,
                    page,
                )
                .await
            }
            None => {
                self.query_page(0, item_keys::roles_of(filter.organization_id), prefix, page)
                    .await
            }
        }
    }

    async fn list_assignable_roles(
        &self,
        organization_id: OrganizationId,
        customer_id: CustomerId,
        page: &PageRequest,
    ) -> StoreResult<Page<CustomerUserRole>> {
        let filter = Filter {
            expression: "(#customer = :customer OR (#system = :yes AND #self_managed = :yes))"
                .into(),
            names: vec![
                ("#customer", "customer_id"),
                ("#system", "system_role"),
                ("#self_managed", "self_managed"),
            ],
            values: vec![
                (":customer", s(customer_id.to_string())),
                (":yes", AttributeValue::Bool(true)),
            ],
        };
        self.query_filtered(
            0,
            item_keys::roles_of(organization_id),
            None,
            &[filter],
            true,
            page,
        )
        .await
    }
}
