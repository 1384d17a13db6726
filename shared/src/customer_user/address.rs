use serde::{Deserialize, Serialize};

use crate::domain::{AddressId, CountryCode, Name, Phone, RegionCode};

/// A postal address of a customer user, for billing, shipping or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Address {
    pub id: AddressId,
    pub label: Option<Name>,
    pub first_name: Option<Name>,
    pub last_name: Option<Name>,
    pub organization: Option<Name>,
    pub street: Name,
    pub street2: Option<Name>,
    pub city: Name,
    pub postal_code: Name,
    pub country_code: CountryCode,
    pub region_code: Option<RegionCode>,
    pub phone: Option<Phone>,
    pub billing: bool,
    pub shipping: bool,
    /// At most one address of a user is the default billing address.
    pub default_billing: bool,
    /// At most one address of a user is the default shipping address.
    pub default_shipping: bool,
}

/// A user keeps at most this many addresses.
pub const MAX_ADDRESSES: usize = 20;

impl Address {
    /// The rules of one address, as (field, message) pairs.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut problems = Vec::new();
        if !self.billing && !self.shipping {
            problems.push((
                "billing",
                "an address must be for billing, shipping or both",
            ));
        }
        if self.default_billing && !self.billing {
            problems.push((
                "default_billing",
                "only a billing address can be the default billing address",
            ));
        }
        if self.default_shipping && !self.shipping {
            problems.push((
                "default_shipping",
                "only a shipping address can be the default shipping address",
            ));
        }
        if let Some(region) = &self.region_code
            && !region.is_in(&self.country_code)
        {
            problems.push((
                "region_code",
                "must be a subdivision of the address's country",
            ));
        }
        problems
    }
}

/// Puts `address` among `addresses` (replacing the one with its id), and keeps one
/// default per type: the newest default wins.
pub fn upsert(addresses: &mut Vec<Address>, address: Address) {
    if address.default_billing {
        addresses.iter_mut().for_each(|a| a.default_billing = false);
    }
    if address.default_shipping {
        addresses
            .iter_mut()
            .for_each(|a| a.default_shipping = false);
    }
    match addresses.iter_mut().find(|a| a.id == address.id) {
        Some(existing) => *existing = address,
        None => addresses.push(address),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(billing: bool, shipping: bool) -> Address {
        Address {
            id: AddressId::generate(),
            label: None,
            first_name: None,
            last_name: None,
            organization: None,
            street: Name::parse("Main Street 1").unwrap(),
            street2: None,
            city: Name::parse("Berlin").unwrap(),
            postal_code: Name::parse("10115").unwrap(),
            country_code: CountryCode::parse("DE").unwrap(),
            region_code: Some(RegionCode::parse("DE-BE").unwrap()),
            phone: None,
            billing,
            shipping,
            default_billing: billing,
            default_shipping: shipping,
        }
    }

    #[test]
    fn one_default_per_type() {
        let mut all = Vec::new();
        let first = address(true, true);
        upsert(&mut all, first.clone());
        upsert(&mut all, address(true, false));
        assert_eq!(all.iter().filter(|a| a.default_billing).count(), 1);
        assert!(!all[0].default_billing, "the newer default took over");
        assert!(all[0].default_shipping, "shipping default untouched");
        let mut edited = first;
        edited.city = Name::parse("Potsdam").unwrap();
        upsert(&mut all, edited);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].city.as_str(), "Potsdam");
    }

    #[test]
    fn rules_name_the_field() {
        let mut a = address(false, false);
        a.default_billing = true;
        a.region_code = Some(RegionCode::parse("US-CA").unwrap());
        let fields: Vec<_> = a.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["billing", "default_billing", "region_code"]);
        assert!(address(true, false).problems().is_empty());
    }
}
