/// A global secondary index of the table: a partition and a sort attribute, all
/// attributes projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalIndex {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
}

/// The single table's shape. `infra/template.yaml` declares the same (a test compares
/// them) and local provisioning creates the table from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDefinition {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub indexes: [GlobalIndex; 7],
    /// Epoch seconds after which DynamoDB may delete an item (lazily: always check
    /// expiry on read too).
    pub ttl_attribute: &'static str,
}

impl TableDefinition {
    /// Every key attribute, table keys first; all are strings.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.partition_key, self.sort_key];
        for index in &self.indexes {
            names.push(index.partition_key);
            names.push(index.sort_key);
        }
        names
    }
}

pub const TABLE: TableDefinition = TableDefinition {
    partition_key: "pk",
    sort_key: "sk",
    indexes: [
        GlobalIndex {
            name: "gsi1",
            partition_key: "gsi1pk",
            sort_key: "gsi1sk",
        },
        GlobalIndex {
            name: "gsi2",
            partition_key: "gsi2pk",
            sort_key: "gsi2sk",
        },
        GlobalIndex {
            name: "gsi3",
            partition_key: "gsi3pk",
            sort_key: "gsi3sk",
        },
        GlobalIndex {
            name: "gsi4",
            partition_key: "gsi4pk",
            sort_key: "gsi4sk",
        },
        GlobalIndex {
            name: "gsi5",
            partition_key: "gsi5pk",
            sort_key: "gsi5sk",
        },
        GlobalIndex {
            name: "gsi6",
            partition_key: "gsi6pk",
            sort_key: "gsi6sk",
        },
        GlobalIndex {
            name: "gsi7",
            partition_key: "gsi7pk",
            sort_key: "gsi7sk",
        },
    ],
    ttl_attribute: "expires_at",
};
