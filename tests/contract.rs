//! The contract files load, route and validate as the real service behaves.
use lmh::contract::Contract;

#[test]
fn v1_and_v2_load() {
    let v1 = Contract::v1();
    let v2 = Contract::v2();
    assert_eq!(v1.operations.len(), 5);
    assert_eq!(v2.operations.len(), 5);
}
