//! Recorded steps: a plan replayed on new inputs gives exactly what the
//! eager ops give, sees variable values written since, and refuses what it
//! could not repeat.

mod common;

use common::*;
use rkeras::autograd::Tape;
use rkeras::optim::{update, Hyper, Kind};
use rkeras::random::{KeySource, RngKey, Stream};
use rkeras::trace::OptimizerStep;
use rkeras::{ops, trace, Device, Error, Result, Tensor, Variable};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

fn tensor(data: Vec<f32>, dims: &[usize]) -> Tensor {
    Tensor::from_vec(data, dims.to_vec(), Device::Cpu).unwrap()
}

fn labels(data: Vec<i64>) -> Tensor {
    let n = data.len();
    Tensor::from_vec(data, [n], Device::Cpu).unwrap()
}

struct Mlp {
    w: Variable,
    b: Variable,
    seen: Variable,
}

impl Mlp {
    fn new(rng: &mut Lcg) -> Mlp {
        Mlp {
            w: Variable::new(tensor(rng.vec(4 * 3, -1.0, 1.0), &[4, 3]), "w", true),
            b: Variable::new(tensor(rng.vec(3, -0.5, 0.5), &[3]), "b", true),
            seen: Variable::new(Tensor::scalar(0.0f32, Device::Cpu).unwrap(), "seen", false),
        }
    }

    /// Loss, its gradients and a counter update, as a train step has them.
    fn step(&self, x: &Tensor, y: &Tensor) -> Result<Vec<Tensor>> {
        let tape = Tape::new(false);
        tape.enter();
        let h = ops::add(&ops::matmul(x, &self.w.value())?, &self.b.value())?;
        // A view (transpose twice) between kernels, and a softmax output.
        let h = ops::transpose(&ops::transpose(&ops::relu(&h)?, None)?, None)?;
        let p = ops::softmax(&h, -1)?;
        let loss = ops::mean(
            &ops::sparse_categorical_crossentropy(y, &p, false, -1, 1e-7)?,
            None,
            false,
        )?;
        tape.exit();
        let grads = tape.gradient(&loss, &[self.w.peek(), self.b.peek()], None)?;
        self.seen
            .assign_add(&Tensor::scalar(x.dims()[0] as f32, Device::Cpu)?)?;
        let mut out = vec![loss];
        out.extend(
            grads
                .into_iter()
                .map(|g| g.expect("both variables are used")),
        );
        out.push(ops::add_scalar(&self.seen.value(), 0.0)?);
        Ok(out)
    }
}

fn values(ts: &[Tensor]) -> Vec<Vec<f32>> {
    ts.iter().map(|t| t.to_vec::<f32>().unwrap()).collect()
}

fn record(inputs: &[Tensor], f: impl FnOnce() -> Result<Vec<Tensor>>) -> Result<trace::Plan> {
    trace::begin(inputs)?;
    match f() {
        Ok(outputs) => trace::finish(&outputs),
        Err(e) => {
            trace::abort();
            Err(e)
        }
    }
}

#[test]
fn replay_matches_eager_on_new_inputs() {
    let mut rng = Lcg::new(7);
    let (eager, traced) = (Mlp::new(&mut Lcg::new(1)), Mlp::new(&mut Lcg::new(1)));
    let x0 = tensor(rng.vec(5 * 4, -1.0, 1.0), &[5, 4]);
    let y0 = labels(vec![0, 2, 1, 1, 0]);
    let plan = record(&[x0.clone(), y0.clone()], || traced.step(&x0, &y0)).unwrap();
    eager.step(&x0, &y0).unwrap();
    for round in 0..3 {
        let x = tensor(rng.vec(5 * 4, -1.0, 1.0), &[5, 4]);
        let y = labels(vec![round % 3, 1, 2, 0, 2]);
        let want = values(&eager.step(&x, &y).unwrap());
        let got = values(&plan.run(&[x, y]).unwrap());
        assert_eq!(got, want, "round {round}");
    }
    // The counter was updated by the recording and by every replay.
    assert_eq!(traced.seen.peek().item().unwrap(), 20.0);
}

#[test]
fn replay_reads_variables_as_they_are_now() {
    let model = Mlp::new(&mut Lcg::new(3));
    let x = tensor(Lcg::new(4).vec(5 * 4, -1.0, 1.0), &[5, 4]);
    let y = labels(vec![1, 1, 0, 2, 0]);
    let plan = record(&[x.clone(), y.clone()], || model.step(&x, &y)).unwrap();
    let before = values(&plan.run(&[x.clone(), y.clone()]).unwrap());
    // A training update after the replay, in place.
    model
        .w
        .update_in_place(|w| w.iter_mut().for_each(|v| *v *= 0.5))
        .unwrap();
    let after = values(&plan.run(&[x.clone(), y.clone()]).unwrap());
    let want = values(&model.step(&x, &y).unwrap());
    assert_ne!(before[0], after[0]);
    assert_eq!(after[..3], want[..3]);
}

#[test]
fn a_value_read_before_an_update_keeps_its_value() {
    let v = Variable::new(tensor(vec![1.0, 2.0], &[2]), "v", false);
    let x = tensor(vec![10.0, 20.0], &[2]);
    let step = |x: &Tensor| -> Result<Vec<Tensor>> {
        let old = v.value();
        v.assign_add(x)?;
        Ok(vec![ops::add(&old, x)?, ops::add_scalar(&v.value(), 0.0)?])
    };
    let plan = record(std::slice::from_ref(&x), || step(&x)).unwrap();
    // v is [11, 22]; the replay reads it before adding x again.
    let got = values(&plan.run(&[tensor(vec![1.0, 1.0], &[2])]).unwrap());
    assert_eq!(got, vec![vec![12.0, 23.0], vec![12.0, 23.0]]);
    assert_eq!(v.peek().to_vec::<f32>().unwrap(), vec![12.0, 23.0]);
}

#[test]
fn work_nothing_observes_is_dropped() {
    let x = tensor(vec![1.0, 2.0, 3.0], &[3]);
    let plan = record(std::slice::from_ref(&x), || {
        let _unused = ops::exp(&ops::sin(&x)?)?;
        Ok(vec![ops::sum(&x, None, false)?])
    })
    .unwrap();
    assert_eq!(plan.len(), 1);
    let got = plan.run(&[tensor(vec![4.0, 5.0, 6.0], &[3])]).unwrap();
    assert_eq!(got[0].item().unwrap(), 15.0);
}

#[test]
fn constants_made_during_the_recording_stay_fixed() {
    let x = tensor(vec![1.0, 2.0], &[2]);
    let plan = record(std::slice::from_ref(&x), || {
        let c = tensor(vec![3.0, 4.0], &[2]);
        Ok(vec![ops::multiply(&x, &c)?])
    })
    .unwrap();
    let got = plan.run(&[tensor(vec![-1.0, 0.5], &[2])]).unwrap();
    assert_eq!(got[0].to_vec::<f32>().unwrap(), vec![-3.0, 2.0]);
}

fn unsupported_reason(result: Result<trace::Plan>) -> String {
    match result {
        Err(Error::Unsupported(reason)) => reason,
        Err(other) => panic!("expected Unsupported, got {other:?}"),
        Ok(_) => panic!("expected the recording to fail"),
    }
}

#[test]
fn host_reads_of_computed_values_refuse_the_plan() {
    let x = tensor(vec![1.0, -2.0], &[2]);
    let reason = unsupported_reason(record(std::slice::from_ref(&x), || {
        let s = ops::sum(&x, None, false)?;
        let y = if s.item()? > 0.0 {
            x.clone()
        } else {
            ops::negative(&x)?
        };
        Ok(vec![y])
    }));
    assert!(reason.contains("on the host"), "{reason}");
    // Reading a constant is fine.
    let plan = record(std::slice::from_ref(&x), || {
        let c = tensor(vec![2.0], &[1]);
        let scale = c.item()? as f32;
        Ok(vec![ops::mul_scalar(&x, scale as f64)?])
    });
    assert!(plan.is_ok());
}

#[test]
fn random_draws_take_the_next_stream_on_every_replay() {
    let x = tensor(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[6]);
    let counter = Arc::new(AtomicU64::new(0));
    let source = KeySource {
        seed: 9,
        stream: Stream::Counter(counter.clone()),
    };
    let step = |x: &Tensor| -> Result<Vec<Tensor>> {
        // A draw nothing reads still advances the counter.
        rkeras::random::normal(&[2], 0.0, 1.0, source.clone(), Device::Cpu)?;
        Ok(vec![rkeras::random::dropout(x, 0.5, None, source.clone())?])
    };
    let plan = record(std::slice::from_ref(&x), || step(&x)).unwrap();
    let replays: Vec<Vec<f32>> = (0..3)
        .map(|_| values(&plan.run(std::slice::from_ref(&x)).unwrap())[0].clone())
        .collect();
    assert_eq!(counter.load(Ordering::Relaxed), 8);
    // The same streams drawn eagerly give the same masks.
    counter.store(2, Ordering::Relaxed);
    for want in replays {
        assert_eq!(values(&step(&x).unwrap())[0], want);
    }
    // A fixed key draws the same numbers on every replay, as eagerly.
    let fixed = RngKey { seed: 1, stream: 5 };
    let plan = record(std::slice::from_ref(&x), || {
        Ok(vec![rkeras::random::dropout(&x, 0.5, None, fixed)?])
    })
    .unwrap();
    let eager = values(&[rkeras::random::dropout(&x, 0.5, None, fixed).unwrap()]);
    assert_eq!(values(&plan.run(std::slice::from_ref(&x)).unwrap()), eager);
    assert_eq!(values(&plan.run(std::slice::from_ref(&x)).unwrap()), eager);
}

#[test]
fn in_place_updates_and_new_variables_refuse_the_plan() {
    let x = tensor(vec![1.0, 2.0, 3.0, 4.0], &[4]);
    let v = Variable::new(tensor(vec![0.0; 4], &[4]), "v", true);
    let reason = unsupported_reason(record(std::slice::from_ref(&x), || {
        v.update_in_place(|w| w[0] = 1.0)?;
        Ok(vec![ops::add(&x, &v.value())?])
    }));
    assert!(reason.contains("in place"), "{reason}");
    let reason = unsupported_reason(record(std::slice::from_ref(&x), || {
        let w = Variable::new(ops::exp(&x)?, "w", true);
        Ok(vec![ops::add(&x, &w.value())?])
    }));
    assert!(reason.contains("creates a variable"), "{reason}");
    assert!(!trace::is_recording());
}

#[test]
fn replay_checks_its_inputs() {
    let x = tensor(vec![1.0, 2.0], &[2]);
    let plan = record(std::slice::from_ref(&x), || Ok(vec![ops::exp(&x)?])).unwrap();
    let err = plan
        .run(&[tensor(vec![1.0, 2.0, 3.0], &[3])])
        .err()
        .unwrap();
    assert!(
        matches!(err, Error::Value(ref m) if m.contains("recorded as (2,)")),
        "{err:?}"
    );
    assert!(plan.run(&[]).is_err());
    // Errors a kernel raises at replay reach the caller.
    let y = labels(vec![0, 1]);
    let p = tensor(vec![0.5, 0.5, 0.5, 0.5], &[2, 2]);
    let plan = record(&[y.clone(), p.clone()], || {
        Ok(vec![ops::take(&p, &y, Some(0))?])
    })
    .unwrap();
    assert!(plan.run(&[labels(vec![0, 7]), p.clone()]).is_err());
}

#[test]
fn recordings_do_not_nest_and_inputs_must_be_plain() {
    let x = tensor(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    trace::begin(std::slice::from_ref(&x)).unwrap();
    assert!(trace::begin(std::slice::from_ref(&x)).is_err());
    trace::abort();
    let t = ops::transpose(&x, None).unwrap();
    assert!(trace::begin(&[t]).is_err());
    assert!(trace::begin(&[x.clone(), x.clone()]).is_err());
    assert!(!trace::is_recording());
}

fn sgd(learning_rate: f64, momentum: f64) -> Hyper {
    Hyper {
        learning_rate,
        momentum,
        ..Hyper::default()
    }
}

/// Records the Mlp step and returns the plan and the gradient outputs.
fn recorded_mlp(seed: u64) -> (Mlp, trace::Plan, Tensor, Tensor) {
    let model = Mlp::new(&mut Lcg::new(seed));
    let x = tensor(Lcg::new(seed + 1).vec(5 * 4, -1.0, 1.0), &[5, 4]);
    let y = labels(vec![2, 0, 1, 1, 2]);
    let plan = record(&[x.clone(), y.clone()], || model.step(&x, &y)).unwrap();
    (model, plan, x, y)
}

fn update_with<'a>(
    model: &'a Mlp,
    vars: &'a [Variable],
    hyper: &'a Hyper,
    slots: &'a [Vec<Variable>],
) -> OptimizerStep<'a> {
    let _ = model;
    OptimizerStep {
        kind: Kind::Sgd,
        hyper,
        variables: vars,
        slots,
        decay: None,
        gradients: &[1, 2],
    }
}

#[test]
fn run_and_update_applies_sgd_as_a_separate_update_would() {
    let (folded, plan_a, x, y) = recorded_mlp(11);
    let (separate, plan_b, _, _) = recorded_mlp(11);
    let hyper = sgd(0.1, 0.0);
    let vars_a = [folded.w.clone(), folded.b.clone()];
    let vars_b = [separate.w.clone(), separate.b.clone()];
    let no_slots = [vec![], vec![]];
    for _ in 0..3 {
        let outs = plan_a
            .run_and_update(
                &[x.clone(), y.clone()],
                &update_with(&folded, &vars_a, &hyper, &no_slots),
            )
            .unwrap();
        assert!(outs[1].is_none() && outs[2].is_none());
        let loss = outs[0].as_ref().unwrap().item().unwrap();
        let eager = plan_b.run(&[x.clone(), y.clone()]).unwrap();
        assert_eq!(loss, eager[0].item().unwrap());
        update(Kind::Sgd, &vars_b, &eager[1..3], &no_slots, &hyper, None).unwrap();
    }
    // The kernel's update is folded into its gradient product (one
    // rounding instead of two); the bias's runs as a separate update.
    let step = update_with(&folded, &vars_a, &hyper, &no_slots);
    assert_eq!(plan_a.folded(&step), vec![true, false]);
    let (wa, wb) = (
        folded.w.peek().to_vec::<f32>().unwrap(),
        separate.w.peek().to_vec::<f32>().unwrap(),
    );
    let wb: Vec<f64> = wb.iter().map(|&v| f64::from(v)).collect();
    assert_close_tol(&wa, &wb, 1e-6, 1e-6, "folded kernel");
    assert_eq!(
        folded.b.peek().to_vec::<f32>().unwrap(),
        separate.b.peek().to_vec::<f32>().unwrap()
    );
}

#[test]
fn run_and_update_with_momentum_matches_exactly() {
    let (a, plan_a, x, y) = recorded_mlp(21);
    let (b, plan_b, _, _) = recorded_mlp(21);
    let hyper = sgd(0.05, 0.9);
    let momentum = |m: &Mlp| {
        [m.w.clone(), m.b.clone()].map(|v| {
            vec![Variable::new(
                ops::zeros_like(&v.peek()).unwrap(),
                "m",
                false,
            )]
        })
    };
    let (slots_a, slots_b) = (momentum(&a), momentum(&b));
    let (vars_a, vars_b) = ([a.w.clone(), a.b.clone()], [b.w.clone(), b.b.clone()]);
    for _ in 0..3 {
        plan_a
            .run_and_update(
                &[x.clone(), y.clone()],
                &update_with(&a, &vars_a, &hyper, &slots_a),
            )
            .unwrap();
        let eager = plan_b.run(&[x.clone(), y.clone()]).unwrap();
        update(Kind::Sgd, &vars_b, &eager[1..3], &slots_b, &hyper, None).unwrap();
    }
    assert_eq!(
        a.w.peek().to_vec::<f32>().unwrap(),
        b.w.peek().to_vec::<f32>().unwrap()
    );
    let step = update_with(&a, &vars_a, &hyper, &slots_a);
    assert_eq!(plan_a.folded(&step), vec![false, false]);
}

#[test]
fn run_and_update_checks_its_arguments() {
    let (model, plan, x, y) = recorded_mlp(31);
    let hyper = sgd(0.1, 0.0);
    let vars = [model.w.clone(), model.b.clone()];
    let slots = [vec![], vec![]];
    let mut step = update_with(&model, &vars, &hyper, &slots);
    step.gradients = &[1, 1];
    assert!(plan.run_and_update(&[x.clone(), y.clone()], &step).is_err());
    step.gradients = &[1, 9];
    assert!(plan.run_and_update(&[x.clone(), y.clone()], &step).is_err());
    step.gradients = &[1];
    assert!(plan.run_and_update(&[x.clone(), y.clone()], &step).is_err());
    step.gradients = &[1, 2];
    step.decay = Some(&[true]);
    assert!(plan.run_and_update(&[x, y], &step).is_err());
}

#[test]
fn a_value_used_after_a_folded_update_is_the_old_one() {
    let w = Variable::new(tensor(vec![0.5, -1.0, 2.0, 0.25], &[2, 2]), "w", true);
    let x = tensor(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let plan = record(std::slice::from_ref(&x), || {
        let tape = Tape::new(false);
        tape.enter();
        let loss = ops::sum(&ops::matmul(&x, &w.value())?, None, false)?;
        tape.exit();
        let g = tape.gradient(&loss, &[w.peek()], None)?.remove(0).unwrap();
        // Used after the gradient product: eagerly the update comes after
        // the whole step, so this sees the old value.
        Ok(vec![g, ops::add_scalar(&w.value(), 0.0)?])
    })
    .unwrap();
    let hyper = sgd(0.5, 0.0);
    let vars = [w.clone()];
    let step = OptimizerStep {
        kind: Kind::Sgd,
        hyper: &hyper,
        variables: &vars,
        slots: &[vec![]],
        decay: None,
        gradients: &[0],
    };
    assert_eq!(plan.folded(&step), vec![true]);
    let before = w.peek().to_vec::<f32>().unwrap();
    let outs = plan.run_and_update(&[x], &step).unwrap();
    // The fold copies on write, so the later reader keeps the value from
    // before the update; then w -= 0.5 * g
    // with g = x^T @ ones = [[4, 4], [6, 6]].
    assert_eq!(outs[1].as_ref().unwrap().to_vec::<f32>().unwrap(), before);
    assert_eq!(
        w.peek().to_vec::<f32>().unwrap(),
        vec![-1.5, -3.0, -1.0, -2.75]
    );
}
