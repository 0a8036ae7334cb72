//! Each kernel against a plain f64 transcription of Keras 3's formulas,
//! for a few steps, on the CPU path (small and chunked-parallel sizes) and
//! on the ops path (the meta-free composition used off the CPU).

use super::*;

/// Slots per variable element in the reference, in the kernel's order.
fn reference_step(kind: Kind, h: &Hyper, w: &mut f64, s: &mut [f64], g: f64) {
    let lr = h.learning_rate;
    let t = h.step;
    match kind {
        Kind::Sgd => {
            if s.is_empty() {
                *w -= lr * g;
            } else {
                s[0] = h.momentum * s[0] - lr * g;
                if h.nesterov {
                    *w += h.momentum * s[0] - lr * g;
                } else {
                    *w += s[0];
                }
            }
        }
        Kind::Adam | Kind::AdamW => {
            let alpha = lr * (1.0 - h.beta_2.powf(t)).sqrt() / (1.0 - h.beta_1.powf(t));
            s[0] += (g - s[0]) * (1.0 - h.beta_1);
            s[1] += (g * g - s[1]) * (1.0 - h.beta_2);
            let v = if h.amsgrad {
                s[2] = s[2].max(s[1]);
                s[2]
            } else {
                s[1]
            };
            *w -= alpha * s[0] / (v.sqrt() + h.epsilon);
        }
        Kind::RmsProp => {
            s[0] = h.rho * s[0] + (1.0 - h.rho) * g * g;
            let mut k = 1;
            let mo = if h.momentum > 0.0 {
                k += 1;
                Some(1)
            } else {
                None
            };
            let denom = if h.centered {
                s[k] = h.rho * s[k] + (1.0 - h.rho) * g;
                s[0] - s[k] * s[k] + h.epsilon
            } else {
                s[0] + h.epsilon
            };
            let inc = lr * g / denom.sqrt();
            match mo {
                Some(j) => {
                    s[j] = h.momentum * s[j] + inc;
                    *w -= s[j];
                }
                None => *w -= inc,
            }
        }
        Kind::Adagrad => {
            s[0] += g * g;
            *w -= lr * g / (s[0] + h.epsilon).sqrt();
        }
        Kind::Adadelta => {
            s[0] = h.rho * s[0] + (1.0 - h.rho) * g * g;
            let d = -((s[1] + h.epsilon).sqrt() * g) / (s[0] + h.epsilon).sqrt();
            s[1] = h.rho * s[1] + (1.0 - h.rho) * d * d;
            *w += lr * d;
        }
        Kind::Adamax => {
            s[0] += (g - s[0]) * (1.0 - h.beta_1);
            s[1] = (h.beta_2 * s[1]).max(g.abs());
            *w -= lr * s[0] / ((1.0 - h.beta_1.powf(t)) * (s[1] + h.epsilon));
        }
        Kind::Nadam => {
            let u_t = h.beta_1 * (1.0 - 0.5 * 0.96f64.powf(t));
            let u_t1 = h.beta_1 * (1.0 - 0.5 * 0.96f64.powf(t + 1.0));
            let up = h.u_product;
            s[0] += (g - s[0]) * (1.0 - h.beta_1);
            s[1] += (g * g - s[1]) * (1.0 - h.beta_2);
            let m_hat = u_t1 * s[0] / (1.0 - up * u_t1) + (1.0 - u_t) * g / (1.0 - up);
            let v_hat = s[1] / (1.0 - h.beta_2.powf(t));
            *w -= m_hat * lr / (v_hat.sqrt() + h.epsilon);
        }
        Kind::Lion => {
            let c = s[0] * h.beta_1 + g * (1.0 - h.beta_1);
            let sign = if c > 0.0 {
                1.0
            } else if c < 0.0 {
                -1.0
            } else {
                0.0
            };
            *w -= lr * sign;
            s[0] = s[0] * h.beta_2 + g * (1.0 - h.beta_2);
        }
    }
}

fn values(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let x = ((i as u32).wrapping_mul(2654435761).wrapping_add(seed * 97) % 2001) as f32;
            (x / 1000.0 - 1.0) * scale
        })
        .collect()
}

fn cpu(v: Vec<f32>, name: &str) -> Variable {
    let n = v.len();
    Variable::new(Tensor::from_vec(v, [n], Device::Cpu).unwrap(), name, true)
}

/// Runs `steps` updates of `kind` with `hyper` on a variable of `n`
/// elements, via `update` (CPU path) and via the ops path, against the f64
/// reference; `init_slot` is the slots' first value (Adagrad: 0.1).
fn check(kind: Kind, mut hyper: Hyper, n: usize, steps: usize) {
    let k = slot_count(kind, &hyper);
    let w0 = values(n, 1, 1.0);
    let init = if kind == Kind::Adagrad { 0.1 } else { 0.0 };
    let mut ref_w: Vec<f64> = w0.iter().map(|&x| x as f64).collect();
    let mut ref_s = vec![vec![init; k]; n];
    let w = cpu(w0.clone(), "w");
    let slots: Vec<Variable> = (0..k)
        .map(|j| cpu(vec![init as f32; n], &format!("s{j}")))
        .collect();
    // The ops path, forced by calling it directly.
    let w_ops = cpu(w0.clone(), "w_ops");
    let slots_ops: Vec<Variable> = (0..k)
        .map(|j| cpu(vec![init as f32; n], &format!("o{j}")))
        .collect();
    let mut u_product = 1.0;
    for step in 0..steps {
        hyper.step = (step + 1) as f64;
        u_product *= hyper.beta_1 * (1.0 - 0.5 * 0.96f64.powf(hyper.step));
        hyper.u_product = u_product;
        let g = values(n, 10 + step as u32, 0.5);
        for (i, &gi) in g.iter().enumerate() {
            let mut gi = gi as f64;
            if let Some(c) = hyper.clipvalue {
                gi = gi.clamp(-c, c);
            }
            if let Some(wd) = hyper.weight_decay {
                ref_w[i] -= ref_w[i] * wd * hyper.learning_rate;
            }
            reference_step(kind, &hyper, &mut ref_w[i], &mut ref_s[i], gi);
        }
        let gt = Tensor::from_vec(g, [n], Device::Cpu).unwrap();
        update(
            kind,
            std::slice::from_ref(&w),
            std::slice::from_ref(&gt),
            std::slice::from_ref(&slots),
            &hyper,
            None,
        )
        .unwrap();
        let rule = Rule::new(kind, &hyper);
        let scales = clip_scales(std::slice::from_ref(&gt), &hyper).unwrap();
        let decay = hyper
            .weight_decay
            .map(|wd| (wd as f32, hyper.learning_rate as f32));
        for scale in scales {
            update_on_device(&rule, &w_ops, &gt, &slots_ops, scale, &hyper, decay).unwrap();
        }
    }
    let got = w.peek().to_vec::<f32>().unwrap();
    let got_ops = w_ops.peek().to_vec::<f32>().unwrap();
    for i in 0..n {
        let r = ref_w[i];
        let tol = 2e-5 * r.abs().max(1e-2);
        assert!(
            (got[i] as f64 - r).abs() <= tol,
            "{kind:?} {hyper:?}: w[{i}] = {} vs reference {r}",
            got[i]
        );
        assert!(
            (got_ops[i] as f64 - r).abs() <= tol,
            "{kind:?} (ops path): w[{i}] = {} vs reference {r}",
            got_ops[i]
        );
    }
    for (j, s) in slots.iter().enumerate() {
        let got = s.peek().to_vec::<f32>().unwrap();
        for i in 0..n {
            let r = ref_s[i][j];
            assert!(
                (got[i] as f64 - r).abs() <= 2e-5 * r.abs().max(1e-2),
                "{kind:?}: slot {j}[{i}] = {} vs reference {r}",
                got[i]
            );
        }
    }
}

fn all_cases() -> Vec<(Kind, Hyper)> {
    let h = Hyper::default();
    vec![
        (
            Kind::Sgd,
            Hyper {
                learning_rate: 0.01,
                ..h.clone()
            },
        ),
        (
            Kind::Sgd,
            Hyper {
                learning_rate: 0.01,
                momentum: 0.9,
                ..h.clone()
            },
        ),
        (
            Kind::Sgd,
            Hyper {
                learning_rate: 0.01,
                momentum: 0.9,
                nesterov: true,
                ..h.clone()
            },
        ),
        (
            Kind::Adam,
            Hyper {
                learning_rate: 0.01,
                ..h.clone()
            },
        ),
        (
            Kind::Adam,
            Hyper {
                learning_rate: 0.01,
                amsgrad: true,
                ..h.clone()
            },
        ),
        (
            Kind::AdamW,
            Hyper {
                learning_rate: 0.01,
                weight_decay: Some(0.004),
                ..h.clone()
            },
        ),
        (
            Kind::RmsProp,
            Hyper {
                learning_rate: 0.01,
                ..h.clone()
            },
        ),
        (
            Kind::RmsProp,
            Hyper {
                learning_rate: 0.01,
                momentum: 0.5,
                ..h.clone()
            },
        ),
        (
            Kind::RmsProp,
            Hyper {
                learning_rate: 0.01,
                centered: true,
                ..h.clone()
            },
        ),
        (
            Kind::RmsProp,
            Hyper {
                learning_rate: 0.01,
                momentum: 0.5,
                centered: true,
                ..h.clone()
            },
        ),
        (
            Kind::Adagrad,
            Hyper {
                learning_rate: 0.01,
                ..h.clone()
            },
        ),
        (
            Kind::Adadelta,
            Hyper {
                learning_rate: 1.0,
                rho: 0.95,
                ..h.clone()
            },
        ),
        (
            Kind::Adamax,
            Hyper {
                learning_rate: 0.01,
                ..h.clone()
            },
        ),
        (
            Kind::Nadam,
            Hyper {
                learning_rate: 0.01,
                ..h.clone()
            },
        ),
        (
            Kind::Lion,
            Hyper {
                learning_rate: 0.01,
                beta_2: 0.99,
                ..h.clone()
            },
        ),
        (
            Kind::Sgd,
            Hyper {
                learning_rate: 0.1,
                clipvalue: Some(0.2),
                ..h.clone()
            },
        ),
    ]
}

#[test]
fn kernels_match_the_f64_reference() {
    for (kind, hyper) in all_cases() {
        check(kind, hyper, 37, 4);
    }
}

#[test]
fn large_variables_take_the_parallel_path() {
    for (kind, hyper) in all_cases() {
        // Large enough that even SGD without slots (variable and gradient,
        // 8 bytes an element) crosses `PARALLEL_BYTES`.
        check(kind, hyper, PARALLEL_BYTES / 8 + CHUNK / 2 + 3, 2);
    }
}

#[test]
fn clipnorm_and_global_clipnorm_scale_like_keras() {
    let a = cpu(vec![0.0; 2], "a");
    let b = cpu(vec![0.0; 1], "b");
    let ga = Tensor::from_vec(vec![3.0f32, 4.0], [2], Device::Cpu).unwrap();
    let gb = Tensor::from_vec(vec![12.0f32], [1], Device::Cpu).unwrap();
    let h = Hyper {
        learning_rate: 1.0,
        clipnorm: Some(1.0),
        ..Hyper::default()
    };
    update(
        Kind::Sgd,
        &[a.clone(), b.clone()],
        &[ga.clone(), gb.clone()],
        &[vec![], vec![]],
        &h,
        None,
    )
    .unwrap();
    assert_eq!(a.peek().to_vec::<f32>().unwrap(), vec![-0.6, -0.8]);
    assert_eq!(b.peek().to_vec::<f32>().unwrap(), vec![-1.0]);
    // Global norm 13: every gradient scaled by 1.3/13.
    let a = cpu(vec![0.0; 2], "a");
    let b = cpu(vec![0.0; 1], "b");
    let h = Hyper {
        learning_rate: 1.0,
        global_clipnorm: Some(1.3),
        ..Hyper::default()
    };
    update(
        Kind::Sgd,
        &[a.clone(), b.clone()],
        &[ga, gb],
        &[vec![], vec![]],
        &h,
        None,
    )
    .unwrap();
    let got = a.peek().to_vec::<f32>().unwrap();
    assert!(
        (got[0] + 0.3).abs() < 1e-6 && (got[1] + 0.4).abs() < 1e-6,
        "{got:?}"
    );
    assert!((b.peek().to_vec::<f32>().unwrap()[0] + 1.2).abs() < 1e-6);
}

#[test]
fn weight_decay_respects_the_mask_and_loss_scale_divides() {
    let a = cpu(vec![1.0; 2], "a");
    let b = cpu(vec![1.0; 2], "b");
    let g = Tensor::from_vec(vec![2.0f32, 2.0], [2], Device::Cpu).unwrap();
    let h = Hyper {
        learning_rate: 0.5,
        weight_decay: Some(0.1),
        loss_scale_factor: Some(4.0),
        ..Hyper::default()
    };
    update(
        Kind::Sgd,
        &[a.clone(), b.clone()],
        &[g.clone(), g],
        &[vec![], vec![]],
        &h,
        Some(&[true, false]),
    )
    .unwrap();
    // a: 1 - 1*0.1*0.5 = 0.95, then - 0.5*(2/4) = 0.7; b: 1 - 0.25.
    assert_eq!(a.peek().to_vec::<f32>().unwrap(), vec![0.7, 0.7]);
    assert_eq!(b.peek().to_vec::<f32>().unwrap(), vec![0.75, 0.75]);
}

#[test]
fn a_value_read_before_the_update_keeps_its_value() {
    let w = cpu(vec![1.0, 2.0], "w");
    let before = w.peek();
    let g = Tensor::from_vec(vec![1.0f32, 1.0], [2], Device::Cpu).unwrap();
    let h = Hyper {
        learning_rate: 0.5,
        ..Hyper::default()
    };
    update(
        Kind::Sgd,
        std::slice::from_ref(&w),
        &[g],
        &[vec![]],
        &h,
        None,
    )
    .unwrap();
    assert_eq!(before.to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
    assert_eq!(w.peek().to_vec::<f32>().unwrap(), vec![0.5, 1.5]);
}

#[test]
fn mismatches_are_errors() {
    let w = cpu(vec![1.0, 2.0], "w");
    let g3 = Tensor::from_vec(vec![1.0f32; 3], [3], Device::Cpu).unwrap();
    let h = Hyper::default();
    let e = update(
        Kind::Sgd,
        std::slice::from_ref(&w),
        &[g3],
        &[vec![]],
        &h,
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("shape"), "{e}");
    let g = Tensor::from_vec(vec![1.0f32; 2], [2], Device::Cpu).unwrap();
    let e = update(
        Kind::Adam,
        std::slice::from_ref(&w),
        std::slice::from_ref(&g),
        &[vec![]],
        &h,
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("expected 2"), "{e}");
    assert!("nope".parse::<Kind>().is_err());
    let e = update(
        Kind::Sgd,
        std::slice::from_ref(&w),
        &[g],
        &[vec![w.clone()]],
        &Hyper { momentum: 0.9, ..h },
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
}
