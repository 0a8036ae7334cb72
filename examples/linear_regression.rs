//! Trains a linear model with the Rust API alone: tensors, a tape and
//! variables updated in place. Run: `cargo run --release --example linear_regression`.

use rkeras::autograd::Tape;
use rkeras::random::{normal, RngKey};
use rkeras::{ops, Device, Result, Tensor, Variable};

fn main() -> Result<()> {
    let device = Device::Cpu;
    let key = |stream| RngKey { seed: 7, stream };
    // y = x . [2, -3, 0.5] + 1, plus a little noise.
    let x = normal(&[256, 3], 0.0, 1.0, key(0), device)?;
    let true_w = Tensor::from_vec(vec![2.0f32, -3.0, 0.5], [3, 1], device)?;
    let noise = normal(&[256, 1], 0.0, 0.01, key(1), device)?;
    let y = ops::add_scalar(&ops::add(&ops::matmul(&x, &true_w)?, &noise)?, 1.0)?;

    let w = Variable::new(
        Tensor::zeros([3, 1], rkeras::DType::F32, device)?,
        "kernel",
        true,
    );
    let b = Variable::new(
        Tensor::zeros([1], rkeras::DType::F32, device)?,
        "bias",
        true,
    );
    for step in 0..200 {
        let tape = Tape::new(false);
        tape.enter();
        let prediction = ops::add(&ops::matmul(&x, &w.value())?, &b.value())?;
        let loss = ops::mean(&ops::square(&ops::subtract(&prediction, &y)?)?, None, false)?;
        tape.exit();
        let grads = tape.gradient(&loss, &[w.peek(), b.peek()], None)?;
        for (variable, grad) in [&w, &b].into_iter().zip(grads) {
            let grad = grad.expect("the loss depends on every variable");
            variable.assign_sub(&ops::mul_scalar(&grad, 0.1)?)?;
        }
        if step % 50 == 0 {
            println!("step {step:3}: loss {:.6}", loss.item()?);
        }
    }
    println!(
        "kernel {:?}, bias {:?}",
        w.peek().to_vec::<f32>()?,
        b.peek().to_vec::<f32>()?
    );
    Ok(())
}
