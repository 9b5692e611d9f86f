//! The `passport` claim of ID tokens and `/userinfo` (SDK 2.14
//! `PassportMetadata`).

use serde::{Deserialize, Serialize};

/// Every part optional: a new account has none (and no claim at all), a
/// zkEVM account the zkEVM pair, an IMX registration the three `imx_*`
/// fields. Absent fields are left out, never sent as `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassportClaim {
    /// The zkEVM wallet's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zkevm_eth_address: Option<String>,
    /// The address that administers the zkEVM wallet (the wallet's EOA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zkevm_user_admin_address: Option<String>,
    /// The user's Ethereum address registered with IMX.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imx_eth_address: Option<String>,
    /// The user's Stark key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imx_stark_address: Option<String>,
    /// The IMX user admin address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imx_user_admin_address: Option<String>,
}

impl PassportClaim {
    /// Whether it has no field.
    pub fn is_empty(&self) -> bool {
        *self == PassportClaim::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_parts_are_left_out_and_read_back_as_absent() {
        let claim = PassportClaim {
            zkevm_eth_address: Some("0xaa".into()),
            ..Default::default()
        };
        let json = serde_json::to_string(&claim).unwrap();
        assert_eq!(json, r#"{"zkevm_eth_address":"0xaa"}"#);
        assert_eq!(serde_json::from_str::<PassportClaim>(&json).unwrap(), claim);
        assert!(serde_json::from_str::<PassportClaim>("{}")
            .unwrap()
            .is_empty());
    }
}
