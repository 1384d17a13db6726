//! Request bodies, parsed into domain values with every problem named by field.

use serde::Deserialize;
use shared::{
    customer_user::{Address, MAX_ADDRESSES, parse_birthday, upsert_address},
    domain::Validation,
    domain::{
        AddressId, CountryCode, CustomerId, Localization, Name, Phone, RegionCode, RoleId, UserId,
        WebsiteId,
    },
    http::{nullable, present},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerUser {
    /// Default true. An enabled user needs at least one role.
    pub enabled: Option<bool>,
    /// Default true: users created here are confirmed; send false for a user who must
    /// confirm the email first.
    pub confirmed: Option<bool>,
    pub name_prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub name_suffix: Option<String>,
    /// Unique within the organization, case-insensitively.
    pub email: String,
    /// `YYYY-MM-DD`, not in the future.
    pub birthday: Option<String>,
    pub phone: Option<String>,
    /// An existing customer; or leave it out and send `customer_name` to create one.
    pub customer_id: Option<CustomerId>,
    /// Creates a new customer of this name for the user, in the same transaction.
    pub customer_name: Option<String>,
    /// With `customer_name`: the new customer is a subsidiary of this one.
    pub parent_customer_id: Option<CustomerId>,
    /// Back-office users of the organization, at most 20; defaults to the customer's
    /// sales representatives.
    #[schema(max_items = 20)]
    pub sales_representative_ids: Option<Vec<UserId>>,
    /// Required when the organization has several websites.
    pub website_id: Option<WebsiteId>,
    /// One of the website's; defaults to the website's default (its first).
    pub preferred_localization: Option<String>,
    pub addresses: Option<Vec<AddressInput>>,
    /// System roles or roles of the user's customer.
    pub role_ids: Option<Vec<RoleId>>,
    /// At least 8 characters with upper and lower case and a digit. Never returned.
    pub password: Option<String>,
    /// Sets a strong random password that is never shown or sent.
    pub generate_password: Option<bool>,
    /// Sends the welcome email with a one-time set-password link.
    pub send_welcome_email: Option<bool>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomerUser {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub confirmed: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name_prefix: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub middle_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name_suffix: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub birthday: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub customer_id: Option<CustomerId>,
    /// Back-office users of the organization, at most 20.
    #[schema(max_items = 20)]
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub sales_representative_ids: Option<Vec<UserId>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub website_id: Option<WebsiteId>,
    /// One of the website's; `null` goes back to the website's default (its first).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub preferred_localization: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub role_ids: Option<Vec<RoleId>>,
    /// A new password; pending confirmation and reset links stop working.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub password: Option<String>,
}

/// What a customer administrator may change through the storefront.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorefrontUpdate {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name_prefix: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub middle_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name_suffix: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub birthday: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// One of the website's; `null` goes back to the website's default (its first).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub preferred_localization: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub role_ids: Option<Vec<RoleId>>,
}

impl From<StorefrontUpdate> for UpdateCustomerUser {
    fn from(u: StorefrontUpdate) -> Self {
        Self {
            enabled: u.enabled,
            confirmed: None,
            name_prefix: u.name_prefix,
            first_name: u.first_name,
            middle_name: u.middle_name,
            last_name: u.last_name,
            name_suffix: u.name_suffix,
            email: u.email,
            birthday: u.birthday,
            phone: u.phone,
            customer_id: None,
            sales_representative_ids: None,
            website_id: None,
            preferred_localization: u.preferred_localization,
            role_ids: u.role_ids,
            password: None,
        }
    }
}

/// A customer user created by a customer administrator through the storefront.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorefrontCreate {
    pub enabled: Option<bool>,
    pub name_prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub name_suffix: Option<String>,
    pub email: String,
    pub birthday: Option<String>,
    pub phone: Option<String>,
    pub preferred_localization: Option<String>,
    /// Defaults to the website's default role.
    pub role_ids: Option<Vec<RoleId>>,
    pub send_welcome_email: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    pub label: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub street: String,
    pub street2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, such as `DE`.
    pub country_code: String,
    /// ISO 3166-2, such as `DE-BE`; must lie in the country.
    pub region_code: Option<String>,
    pub phone: Option<String>,
    /// Default true.
    pub billing: Option<bool>,
    /// Default true.
    pub shipping: Option<bool>,
    pub default_billing: Option<bool>,
    pub default_shipping: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub label: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub organization: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub street: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub street2: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub city: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub postal_code: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub country_code: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub region_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub billing: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub shipping: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub default_billing: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub default_shipping: Option<bool>,
}

/// An optional name part: absent stays absent, text must be a valid name.
pub fn optional_name(v: &mut Validation, field: &str, raw: Option<&str>) -> Option<Name> {
    raw.and_then(|text| v.check(field, Name::parse(text)))
}

pub fn optional_phone(v: &mut Validation, field: &str, raw: Option<&str>) -> Option<Phone> {
    raw.and_then(|text| v.check(field, Phone::parse(text)))
}

pub fn optional_localization(
    v: &mut Validation,
    field: &str,
    raw: Option<&str>,
) -> Option<Localization> {
    raw.and_then(|text| v.check(field, Localization::parse(text)))
}

pub fn optional_birthday(v: &mut Validation, raw: Option<&str>) -> Option<time::Date> {
    let today = time::OffsetDateTime::now_utc().date();
    raw.and_then(|text| v.check("birthday", parse_birthday(text, today)))
}

impl AddressInput {
    pub fn parse(self, v: &mut Validation, field: &str, id: AddressId) -> Option<Address> {
        let f = |name: &str| format!("{field}{name}");
        let street = v.check(&f("street"), Name::parse(&self.street));
        let city = v.check(&f("city"), Name::parse(&self.city));
        let postal_code = v.check(&f("postal_code"), Name::parse(&self.postal_code));
        let country_code = v.check(&f("country_code"), CountryCode::parse(&self.country_code));
        let region_code = self
            .region_code
            .as_deref()
            .and_then(|r| v.check(&f("region_code"), RegionCode::parse(r)));
        let address = Address {
            id,
            label: optional_name(v, &f("label"), self.label.as_deref()),
            first_name: optional_name(v, &f("first_name"), self.first_name.as_deref()),
            last_name: optional_name(v, &f("last_name"), self.last_name.as_deref()),
            organization: optional_name(v, &f("organization"), self.organization.as_deref()),
            street: street?,
            street2: optional_name(v, &f("street2"), self.street2.as_deref()),
            city: city?,
            postal_code: postal_code?,
            country_code: country_code?,
            region_code,
            phone: optional_phone(v, &f("phone"), self.phone.as_deref()),
            billing: self.billing.unwrap_or(true),
            shipping: self.shipping.unwrap_or(true),
            default_billing: self.default_billing.unwrap_or(false),
            default_shipping: self.default_shipping.unwrap_or(false),
        };
        check_address(v, field, address)
    }
}

impl AddressPatch {
    pub fn apply(self, v: &mut Validation, mut address: Address) -> Option<Address> {
        fn set_name(
            v: &mut Validation,
            field: &str,
            slot: &mut Option<Name>,
            value: Option<Option<String>>,
        ) {
            if let Some(value) = value {
                *slot = optional_name(v, field, value.as_deref());
            }
        }
        set_name(v, "label", &mut address.label, self.label);
        set_name(v, "first_name", &mut address.first_name, self.first_name);
        set_name(v, "last_name", &mut address.last_name, self.last_name);
        set_name(
            v,
            "organization",
            &mut address.organization,
            self.organization,
        );
        set_name(v, "street2", &mut address.street2, self.street2);
        if let Some(street) = self
            .street
            .as_deref()
            .and_then(|s| v.check("street", Name::parse(s)))
        {
            address.street = street;
        }
        if let Some(city) = self
            .city
            .as_deref()
            .and_then(|s| v.check("city", Name::parse(s)))
        {
            address.city = city;
        }
        if let Some(code) = self
            .postal_code
            .as_deref()
            .and_then(|s| v.check("postal_code", Name::parse(s)))
        {
            address.postal_code = code;
        }
        if let Some(country) = self
            .country_code
            .as_deref()
            .and_then(|s| v.check("country_code", CountryCode::parse(s)))
        {
            address.country_code = country;
        }
        if let Some(region) = self.region_code {
            address.region_code = region
                .as_deref()
                .and_then(|r| v.check("region_code", RegionCode::parse(r)));
        }
        if let Some(phone) = self.phone {
            address.phone = optional_phone(v, "phone", phone.as_deref());
        }
        address.billing = self.billing.unwrap_or(address.billing);
        address.shipping = self.shipping.unwrap_or(address.shipping);
        address.default_billing =
            self.default_billing.unwrap_or(address.default_billing) && address.billing;
        address.default_shipping =
            self.default_shipping.unwrap_or(address.default_shipping) && address.shipping;
        check_address(v, "", address)
    }
}

fn check_address(v: &mut Validation, field: &str, address: Address) -> Option<Address> {
    let problems = address.problems();
    for (name, message) in &problems {
        v.add(format!("{field}{name}"), *message);
    }
    problems.is_empty().then_some(address)
}

/// Parses the addresses of a create request, keeping one default per type.
pub fn parse_addresses(v: &mut Validation, inputs: Option<Vec<AddressInput>>) -> Vec<Address> {
    let inputs = inputs.unwrap_or_default();
    if inputs.len() > MAX_ADDRESSES {
        v.add("addresses", format!("at most {MAX_ADDRESSES} addresses"));
        return Vec::new();
    }
    let mut addresses = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        if let Some(address) = input.parse(v, &format!("addresses.{i}."), AddressId::generate()) {
            upsert_address(&mut addresses, address);
        }
    }
    addresses
}
