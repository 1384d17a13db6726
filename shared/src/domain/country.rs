use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// ISO 3166-1 alpha-2 codes of the countries and territories in use.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT \
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG \
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "DE")]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let code = raw.trim();
        let known = code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code);
        if known {
            Ok(Self(code.to_owned()))
        } else {
            Err(InvalidValue::new(
                "must be an ISO 3166-1 alpha-2 country code in upper case, such as DE or US",
            ))
        }
    }
}

string_newtype!(CountryCode);

/// An ISO 3166-2 subdivision code: the country code, a dash, and one to three letters
/// or digits (`DE-BE`, `US-CA`, `FR-75`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "DE-BE")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let code = raw.trim();
        let well_formed = code.split_once('-').is_some_and(|(country, part)| {
            CountryCode::parse(country).is_ok()
                && (1..=3).contains(&part.len())
                && part
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        });
        if well_formed {
            Ok(Self(code.to_owned()))
        } else {
            Err(InvalidValue::new(
                "must be an ISO 3166-2 subdivision code such as DE-BE or US-CA",
            ))
        }
    }

    /// Whether the subdivision lies in `country`.
    pub fn is_in(&self, country: &CountryCode) -> bool {
        self.0.split('-').next() == Some(country.as_str())
    }
}

string_newtype!(RegionCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_iso_alpha_2() {
        assert_eq!(COUNTRIES.split(' ').count(), 249);
        assert!(CountryCode::parse("DE").is_ok());
        for bad in ["de", "DEU", "XX", "", "UK"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_belong_to_a_country() {
        let de = CountryCode::parse("DE").unwrap();
        let berlin = RegionCode::parse("DE-BE").unwrap();
        assert!(berlin.is_in(&de));
        assert!(!RegionCode::parse("US-CA").unwrap().is_in(&de));
        for bad in ["BE", "DE-", "DE-BERL", "XX-AB", "de-be"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
    }
}
