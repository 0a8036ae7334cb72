//! Tensors, layouts and views: strides, contiguity, copies, creation ops,
//! the meta device.

mod common;

use common::*;
use rkeras::{ops, DType, Device, Layout, Shape, Tensor};

#[test]
fn contiguous_layouts() {
    let l = Layout::contiguous(Shape::new(vec![2, 3, 4]));
    assert_eq!(l.strides(), &[12, 4, 1]);
    assert!(l.is_contiguous());
    assert_eq!(l.contiguous_range(), Some(0..24));
    assert_eq!(l.offsets().collect::<Vec<_>>(), (0..24).collect::<Vec<_>>());
    let s = Layout::contiguous(Shape::scalar());
    assert_eq!(s.numel(), 1);
    assert_eq!(s.offsets().collect::<Vec<_>>(), vec![0]);
    let z = Layout::contiguous(Shape::new(vec![3, 0, 2]));
    assert_eq!(z.numel(), 0);
    assert_eq!(z.offsets().count(), 0);
}

#[test]
fn coalescing_keeps_the_elements_and_their_order() {
    let dense = Layout::contiguous(Shape::new(vec![4, 1, 5, 6, 3]));
    let bias = Layout::contiguous(Shape::new(vec![3]))
        .broadcast_to(dense.shape(), "test")
        .unwrap();
    let swapped = Layout::contiguous(Shape::new(vec![4, 5, 3, 6]))
        .permute(&[0, 1, 3, 2])
        .insert_axis(1);
    let scalar = Layout::contiguous(Shape::scalar());
    for (a, b, merged) in [
        (&dense, &bias, vec![120, 3]),
        (&bias, &dense, vec![120, 3]),
        (&dense, &dense, vec![360]),
        (&dense, &swapped, vec![20, 6, 3]),
        (&scalar, &scalar, vec![1]),
    ] {
        let (ca, cb) = a.coalesced_with(b);
        assert_eq!(ca.dims(), &merged[..], "{a:?} with {b:?}");
        assert_eq!(cb.dims(), &merged[..]);
        assert_eq!(
            ca.offsets().collect::<Vec<_>>(),
            a.offsets().collect::<Vec<_>>()
        );
        assert_eq!(
            cb.offsets().collect::<Vec<_>>(),
            b.offsets().collect::<Vec<_>>()
        );
    }
}

#[test]
fn view_layouts_and_offsets() {
    let l = Layout::contiguous(Shape::new(vec![2, 3]));
    let t = l.permute(&[1, 0]);
    assert_eq!(t.dims(), &[3, 2]);
    assert_eq!(t.strides(), &[1, 3]);
    assert!(!t.is_contiguous());
    assert_eq!(t.offsets().collect::<Vec<_>>(), vec![0, 3, 1, 4, 2, 5]);
    let r = l.slice_axis(1, 2, 3, -1);
    assert_eq!(r.offsets().collect::<Vec<_>>(), vec![2, 1, 0, 5, 4, 3]);
    let b = Layout::contiguous(Shape::new(vec![3]))
        .broadcast_to(&Shape::new(vec![2, 3]), "test")
        .unwrap();
    assert_eq!(b.strides(), &[0, 1]);
    assert_eq!(b.offsets().collect::<Vec<_>>(), vec![0, 1, 2, 0, 1, 2]);
    let sel = l.select(0, 1);
    assert_eq!(sel.offset(), 3);
    assert!(sel.is_contiguous());
    assert_eq!(sel.contiguous_range(), Some(3..6));
    // A row slice of a contiguous tensor is a contiguous run with an offset.
    let rows = l.slice_axis(0, 1, 1, 1);
    assert!(rows.is_contiguous());
    assert_eq!(rows.contiguous_range(), Some(3..6));
    assert!(l.reshape(&Shape::new(vec![6])).is_some());
    assert!(t.reshape(&Shape::new(vec![6])).is_none());
    let ins = l.insert_axis(1);
    assert_eq!(ins.dims(), &[2, 1, 3]);
    assert!(ins.is_contiguous());
}

#[test]
fn views_share_storage_and_copy_correctly() {
    let mut rng = Lcg::new(60);
    for dims in [&[4, 5][..], &[2, 3, 4], &[2, 1, 3, 2, 3], &[6]] {
        for view in VIEWS {
            let (x, xv) = make(&mut rng, dims, view, -1.0, 1.0);
            assert_eq!(x.dims(), dims);
            assert_eq!(x.numel(), xv.len());
            assert_close(&f32s(&x), &xv, "to_vec of a view");
            let c = x.contiguous().unwrap();
            assert!(c.layout().is_contiguous() && c.layout().offset() == 0);
            assert_close(&f32s(&c), &xv, "contiguous()");
            // A view through several ops still reads the right elements.
            let r = ops::reshape(&x, &[xv.len()]).unwrap();
            assert_close(&f32s(&r), &xv, "reshape of a view");
            let back = ops::cast(&ops::cast(&x, DType::I64).unwrap(), DType::F32).unwrap();
            let trunc: Vec<f64> = xv.iter().map(|v| v.trunc()).collect();
            assert_close(&f32s(&back), &trunc, "cast of a view");
            let moved = x.to_device(Device::Cpu).unwrap();
            assert_close(&f32s(&moved), &xv, "to_device");
        }
    }
    let x = tf(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let t = ops::transpose(&x, None).unwrap();
    assert!(
        std::ptr::eq(x.storage(), t.storage()),
        "transpose is a view"
    );
    assert_ne!(x.id(), t.id());
    let f = ops::flip(&x, 0).unwrap();
    assert!(std::ptr::eq(x.storage(), f.storage()), "flip is a view");
    let b = ops::broadcast_to(&x, &[3, 2, 2]).unwrap();
    assert!(
        std::ptr::eq(x.storage(), b.storage()),
        "broadcast is a view"
    );
}

#[test]
fn tensor_basics() {
    let t = Tensor::from_vec(vec![1i64, 2, 3, 4, 5, 6], [2, 3], Device::Cpu).unwrap();
    assert_eq!(t.dtype(), DType::I64);
    assert_eq!(t.rank(), 2);
    assert_eq!(t.shape().to_string(), "(2, 3)");
    assert_eq!(Shape::new(vec![4]).to_string(), "(4,)");
    assert_eq!(Shape::scalar().to_string(), "()");
    expect_err(t.to_vec::<f32>(), is_dtype, &["int64", "float32"]);
    expect_err(
        Tensor::from_vec(vec![1.0f32; 5], [2, 3], Device::Cpu),
        is_shape,
        &["(2, 3)", "5"],
    );
    expect_err(t.item(), is_value, &["item", "(2, 3)"]);
    assert_eq!(
        Tensor::scalar(2.5f32, Device::Cpu).unwrap().item().unwrap(),
        2.5
    );
    let sel = ops::index_axis(&t, 1, 2).unwrap();
    assert_eq!(ops::index_axis(&sel, 0, 1).unwrap().item().unwrap(), 6.0);
    assert_eq!(
        format!("{t:?}"),
        "Tensor(shape=(2, 3), dtype=int64, device=cpu)"
    );
    assert_eq!(DType::parse("float64"), Some(DType::F32));
    assert_eq!(DType::parse("uint8"), Some(DType::I32));
    assert_eq!(DType::parse("complex64"), None);
    assert_eq!(Device::parse("GPU:1").unwrap(), Device::Gpu(1));
    expect_err(Device::parse("tpu"), is_value, &["tpu"]);
}

#[test]
fn creation_ops() {
    let z = ops::zeros(&[2, 3], DType::F32, Device::Cpu).unwrap();
    assert_tensor(&z, &[2, 3], &[0.0; 6], "zeros");
    let o = ops::ones(&[4], DType::I32, Device::Cpu).unwrap();
    assert_eq!(o.to_vec::<i32>().unwrap(), vec![1; 4]);
    let f = ops::full(&[], 2.5, DType::F32, Device::Cpu).unwrap();
    assert_tensor(&f, &[], &[2.5], "full 0-d");
    let like = ops::full_like(&o, 7.0).unwrap();
    assert_eq!(like.dtype(), DType::I32);
    assert_eq!(like.to_vec::<i32>().unwrap(), vec![7; 4]);
    assert_eq!(ops::zeros_like(&f).unwrap().item().unwrap(), 0.0);
    assert_eq!(ops::ones_like(&f).unwrap().item().unwrap(), 1.0);
    let a = ops::arange(0.0, 1.0, 0.25, DType::F32, Device::Cpu).unwrap();
    assert_tensor(&a, &[4], &[0.0, 0.25, 0.5, 0.75], "arange");
    let a = ops::arange(5.0, 0.0, -2.0, DType::I64, Device::Cpu).unwrap();
    assert_eq!(a.to_vec::<i64>().unwrap(), vec![5, 3, 1]);
    let a = ops::arange(3.0, 1.0, 1.0, DType::F32, Device::Cpu).unwrap();
    assert_eq!(a.dims(), &[0]);
    expect_err(
        ops::arange(0.0, 1.0, 0.0, DType::F32, Device::Cpu),
        is_value,
        &["arange"],
    );
    let e = ops::eye(2, Some(3), 1, DType::F32, Device::Cpu).unwrap();
    assert_tensor(&e, &[2, 3], &[0., 1., 0., 0., 0., 1.], "eye k=1");
    let e = ops::eye(3, None, -1, DType::I32, Device::Cpu).unwrap();
    assert_eq!(e.to_vec::<i32>().unwrap(), vec![0, 0, 0, 1, 0, 0, 0, 1, 0]);
}

#[test]
fn meta_device_runs_shape_rules() {
    let a = Tensor::zeros([8, 3, 4], DType::F32, Device::Meta).unwrap();
    let b = Tensor::zeros([4, 5], DType::F32, Device::Meta).unwrap();
    assert_eq!(a.device(), Device::Meta);
    let y = ops::matmul(&a, &b).unwrap();
    assert_eq!(y.dims(), &[8, 3, 5]);
    assert_eq!(y.device(), Device::Meta);
    let s = ops::sum(&ops::relu(&y).unwrap(), Some(&[1]), true).unwrap();
    assert_eq!(s.dims(), &[8, 1, 5]);
    let c = ops::concatenate(&[y.clone(), y.clone()], -1).unwrap();
    assert_eq!(c.dims(), &[8, 3, 10]);
    assert_eq!(ops::greater(&c, &c).unwrap().dtype(), DType::Bool);
    assert_eq!(
        ops::argmax(&c, Some(-1), false).unwrap().dtype(),
        DType::I64
    );
    expect_err(
        ops::matmul(&b, &a),
        is_shape,
        &["matmul", "(4, 5)", "(8, 3, 4)"],
    );
    // A meta operand next to real data gives a meta result (symbolic
    // inputs meeting a layer's weights); shape rules still apply.
    let cpu = tf(vec![1.0; 4], &[4, 1]);
    let mixed = ops::add(&cpu, &b).unwrap();
    assert_eq!(
        (mixed.device(), mixed.dims()),
        (Device::Meta, &[4usize, 5][..])
    );
    let wrong = tf(vec![1.0; 6], &[6]);
    expect_err(ops::add(&wrong, &b), is_shape, &["add", "(6,)", "(4, 5)"]);
    expect_err(
        y.to_vec::<f32>(),
        |e| matches!(e, rkeras::Error::Device(_)),
        &["meta"],
    );
}
