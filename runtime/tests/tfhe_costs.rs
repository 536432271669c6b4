//! PBS counts of the cheap paths (from tfhe's `pbs-stats` counter, which is process-wide: this binary runs its
//! measurements one at a time).
#![cfg(feature = "tfhe")]

mod common;

use common::{enc, keys, t, w};
use std::sync::Mutex;
use veil_runtime::tfhe_backend::{pbs_count, reset_pbs_count};
use veil_runtime::Backend;

fn counted<R>(f: impl FnOnce() -> R) -> (R, u64) {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    reset_pbs_count();
    let r = f();
    (r, pbs_count())
}

#[test]
fn zero_unit_and_power_of_four_weights_block_shifts_and_layout_cost_no_pbs() {
    let b = &keys().backend;
    let x = enc(&t(&[4], &[5, -3, 7, -8]), 8);
    let (y, n) = counted(|| b.mul_plain(&x, &t(&[4], &[1, 0, 4, 16]), w(8)).unwrap());
    assert_eq!(n, 0);
    assert_eq!(keys().client.decrypt(&y).unwrap().data, vec![5, 0, 28, -128]);
    let (y, n) = counted(|| b.rescale(&x, 2, None, w(6)).unwrap());
    assert_eq!(n, 0);
    assert_eq!(keys().client.decrypt(&y).unwrap().data, vec![1, -1, 1, -2]);
    let (_, n) = counted(|| b.transpose(&b.reshape(&x, &[2, 2]).unwrap(), &[1, 0]).unwrap());
    assert_eq!(n, 0);
}

#[test]
fn relu_costs_one_pbs_per_block_plus_one() {
    let b = &keys().backend;
    let x = enc(&t(&[2], &[-5, 9]), 8);
    let (y, n) = counted(|| b.relu(&x, w(8)).unwrap());
    assert_eq!(n, 2 * (4 + 1));
    assert_eq!(keys().client.decrypt(&y).unwrap().data, vec![0, 9]);
}

#[test]
fn a_dot_product_propagates_carries_once() {
    let b = &keys().backend;
    let x = enc(&t(&[1, 4], &[3, -2, 1, 5]), 8);
    let m = t(&[4, 1], &[1, 1, 1, 1]);
    let (y, dot) = counted(|| b.matmul_plain(&x, &m, None, w(8)).unwrap());
    assert_eq!(keys().client.decrypt(&y).unwrap().data, vec![7]);
    // Three separate additions would propagate three times.
    let (_, adds) = counted(|| {
        let x0 = b.reshape(&x, &[4]).unwrap();
        let part = |i: usize| veil_runtime::Tensor::new(vec![1], vec![x0.data[i].clone()]).unwrap();
        let s = b.add(&part(0), &part(1), w(8)).unwrap();
        let s = b.add(&s, &part(2), w(8)).unwrap();
        b.add(&s, &part(3), w(8)).unwrap()
    });
    assert!(dot < adds, "a 4-term dot product took {dot} PBS, three additions {adds}");
}
