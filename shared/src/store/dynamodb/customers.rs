//! Customers and their hierarchy: subsidiary counts on the parent, no cycles.

use super::*;

/// A customer's own roles deleted with it, at most: with the customer and its parent's
/// count they fill one transaction.
pub(super) const MAX_OWN_ROLES_DELETED: u16 = 98;

#[async_trait]
impl CustomerStore for DynamoStore {
    async fn create_customer(&self, customer: &Customer) -> StoreResult<()> {
        let mut writes =
            vec![self.put_new_item(to_item(customer, &item_keys::customer(customer))?)?];
        if let Some(parent) = customer.parent_id {
            writes.push(self.add_to_counter(
                item_keys::customer_pk(parent),
                item_keys::SK_CUSTOMER,
                "subsidiary_count",
                1,
            )?);
        }
        self.transact(writes, &|index| match index {
            0 => StoreError::Taken(Unique::Id),
            _ => StoreError::NotFound,
        })
        .await
    }

    async fn get_customer(&self, id: CustomerId) -> StoreResult<Option<Customer>> {
        self.get(item_keys::customer_pk(id), item_keys::SK_CUSTOMER)
            .await
    }

    async fn update_customer(
        &self,
        customer: &Customer,
        previous: &Customer,
        ancestors: &[CustomerId],
    ) -> StoreResult<()> {
        let item = to_item(customer, &item_keys::customer(customer))?;
        let mut writes = vec![
            KeepingCounters::new(
                item,
                &["subsidiary_count", "customer_user_count"],
                previous.version,
            )
            .transact_item(&self.table)?,
        ];
        // Each ancestor must still have the parent it had when the chain was checked:
        // two moves at once could otherwise close a cycle that neither saw.
        let parent_is = |position: usize| -> (&'static str, Item) {
            match ancestors.get(position + 1) {
                Some(parent) => (
                    "parent_id = :parent",
                    HashMap::from([(":parent".to_owned(), s(parent.to_string()))]),
                ),
                None => (
                    "NOT attribute_type(parent_id, :string)",
                    HashMap::from([(":string".to_owned(), s("S"))]),
                ),
            }
        };
        let mut moved = Vec::new();
        if customer.parent_id != previous.parent_id {
            moved.extend(previous.parent_id.map(|old| (old, -1)));
            moved.extend(customer.parent_id.map(|new| (new, 1)));
        }
        for (id, delta) in &moved {
            let condition = ancestors.iter().position(|a| a == id).map(parent_is);
            writes.push(self.add_to_counter_if(
                item_keys::customer_pk(*id),
                item_keys::SK_CUSTOMER,
                "subsidiary_count",
                *delta,
                condition,
            )?);
        }
        // Which writes guard the hierarchy: the checks below, and a counter whose
        // customer is in the chain.
        let mut guards: Vec<bool> = std::iter::once(false)
            .chain(moved.iter().map(|(id, _)| ancestors.contains(id)))
            .collect();
        for (position, id) in ancestors.iter().enumerate() {
            if moved.iter().any(|(m, _)| m == id) {
                continue;
            }
            let (expression, values) = parent_is(position);
            writes.push(self.check_item(
                item_keys::customer_pk(*id),
                item_keys::SK_CUSTOMER,
                &format!("attribute_exists(pk) AND {expression}"),
                values,
            )?);
            guards.push(true);
        }
        self.transact(writes, &|index| match index {
            0 => StoreError::VersionConflict,
            i if guards[i] => StoreError::Moved(Dependency::CustomerAncestors),
            _ => StoreError::NotFound,
        })
        .await
    }

    async fn delete_customer(&self, customer: &Customer) -> StoreResult<()> {
        let condition = "version = :expected AND (attribute_not_exists(subsidiary_count) OR subsidiary_count = :zero) AND (attribute_not_exists(customer_user_count) OR customer_user_count = :zero)";
        let values = HashMap::from([
            (":expected".to_owned(), n(customer.version)),
            (":zero".to_owned(), n(0)),
        ]);
        let mut writes = vec![self.delete_item(
            item_keys::customer_pk(customer.id),
            item_keys::SK_CUSTOMER,
            Some((condition, values)),
        )?];
        if let Some(parent) = customer.parent_id {
            writes.push(self.add_to_counter(
                item_keys::customer_pk(parent),
                item_keys::SK_CUSTOMER,
                "subsidiary_count",
                -1,
            )?);
        }
        // The customer's own roles go with it: only its users could hold them, and it
        // has none left (the condition above).
        let own_roles: Page<CustomerUserRole> = self
            .query_page(
                1,
                item_keys::roles_of_customer(customer.id),
                None,
                &PageRequest::first(MAX_OWN_ROLES_DELETED),
            )
            .await?;
        if own_roles.next_cursor.is_some() {
            return Err(StoreError::InUse(Reference::CustomerOwnRoles {
                most: MAX_OWN_ROLES_DELETED,
            }));
        }
        for role in &own_roles.items {
            writes.push(self.delete_item(
                item_keys::role_pk(role.id),
                item_keys::SK_ROLE,
                Some((
                    "attribute_not_exists(user_count) OR user_count = :zero",
                    HashMap::from([(":zero".to_owned(), n(0))]),
                )),
            )?);
        }
        let result = self
            .transact(writes, &|_| StoreError::VersionConflict)
            .await;
        match result {
            Err(StoreError::VersionConflict) => {
                // Say why: a dependant appeared, or the record changed or went away.
                match self.get_customer(customer.id).await? {
                    None => Err(StoreError::NotFound),
                    Some(current) if current.subsidiary_count > 0 => {
                        Err(StoreError::InUse(Reference::CustomerSubsidiaries))
                    }
                    Some(current) if current.customer_user_count > 0 => {
                        Err(StoreError::InUse(Reference::CustomerCustomerUsers))
                    }
                    Some(_) => Err(StoreError::VersionConflict),
                }
            }
            other => other,
        }
    }

    async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Customer>> {
        let prefix = filter.name_prefix.as_deref();
        match filter.parent_id {
            Some(parent) => {
                self.query_page(1, item_keys::subsidiaries_of(parent), prefix, page)
                    .await
            }
            None => {
                self.query_page(
                    0,
                    item_keys::customers_of(filter.organization_id),
                    prefix,
                    page,
                )
                .await
            }
        }
    }
}
