//! Fused optimizer updates: one call updates every variable of a model in
//! place, with Keras 3's update rules.
//!
//! [`update`] takes the model variables, their gradients, their slot
//! variables (per variable, in Keras's slot order) and the step's resolved
//! hyperparameters. On the CPU each variable and its slots are updated in a
//! single pass over their buffers (rayon for large variables, SIMD loops
//! picked at run time); gradient unscaling, clipping and weight decay are
//! folded into the same pass. Variables on any other device are updated
//! with the same math composed from [`crate::ops`], on that device.
//!
//! ```
//! use rkeras::optim::{update, Hyper, Kind};
//! use rkeras::{Device, Tensor, Variable};
//! let w = Variable::new(Tensor::from_vec(vec![1.0f32, 2.0], [2], Device::Cpu).unwrap(), "w", true);
//! let g = Tensor::from_vec(vec![0.5f32, -0.5], [2], Device::Cpu).unwrap();
//! let hyper = Hyper { learning_rate: 0.1, ..Hyper::default() };
//! update(Kind::Sgd, &[w.clone()], &[g], &[vec![]], &hyper, None).unwrap();
//! assert_eq!(w.peek().to_vec::<f32>().unwrap(), vec![0.95, 2.05]);
//! ```

mod adagrad;
mod adam;
mod lion;
mod rmsprop;
mod sgd;
mod simd;

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Mutex;

use crate::autograd::without_recording;
use crate::cpu::{team, CpuStorage, CHUNK};
use crate::{bail, ops, DType, Device, Error, Result, Storage, Tensor, Variable};

pub use adagrad::{Adadelta, Adagrad};
pub use adam::{Adam, Adamax, Nadam};
pub use lion::Lion;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

/// Which update rule (Keras 3's optimizer classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sgd,
    Adam,
    /// Adam plus decoupled weight decay (`Hyper::weight_decay`), which
    /// every rule applies the same way before its step, as Keras does.
    AdamW,
    RmsProp,
    Adagrad,
    Adadelta,
    Adamax,
    Nadam,
    Lion,
}

impl FromStr for Kind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Kind> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "sgd" => Kind::Sgd,
            "adam" => Kind::Adam,
            "adamw" => Kind::AdamW,
            "rmsprop" => Kind::RmsProp,
            "adagrad" => Kind::Adagrad,
            "adadelta" => Kind::Adadelta,
            "adamax" => Kind::Adamax,
            "nadam" => Kind::Nadam,
            "lion" => Kind::Lion,
            other => bail!(
                Value,
                "unknown optimizer update rule '{other}'; expected one of sgd, adam, adamw, \
                 rmsprop, adagrad, adadelta, adamax, nadam, lion"
            ),
        })
    }
}

/// The hyperparameters of one step, already resolved (a schedule's
/// learning rate for this step, the step number). Fields a rule does not
/// use are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Hyper {
    pub learning_rate: f64,
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
    pub momentum: f64,
    pub rho: f64,
    pub nesterov: bool,
    pub centered: bool,
    pub amsgrad: bool,
    /// `t = iterations + 1`, the step the bias corrections use.
    pub step: f64,
    /// Nadam: the product of the momentum-schedule factors `u_1..u_t`,
    /// this step's included.
    pub u_product: f64,
    /// `var -= var*weight_decay*learning_rate` before the step, for the
    /// variables whose `decay` flag is set.
    pub weight_decay: Option<f64>,
    /// Clip each gradient to this L2 norm.
    pub clipnorm: Option<f64>,
    /// Scale all gradients together to at most this global L2 norm.
    pub global_clipnorm: Option<f64>,
    /// Clip each gradient element to `[-clipvalue, clipvalue]`.
    pub clipvalue: Option<f64>,
    /// Divide the gradients by this first (loss scaling).
    pub loss_scale_factor: Option<f64>,
}

impl Default for Hyper {
    /// Keras's Adam defaults; momentum 0, rho 0.9, step 1.
    fn default() -> Hyper {
        Hyper {
            learning_rate: 0.001,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            momentum: 0.0,
            rho: 0.9,
            nesterov: false,
            centered: false,
            amsgrad: false,
            step: 1.0,
            u_product: 0.9 * (1.0 - 0.5 * 0.96),
            weight_decay: None,
            clipnorm: None,
            global_clipnorm: None,
            clipvalue: None,
            loss_scale_factor: None,
        }
    }
}

/// A rule with its per-step coefficients computed.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Sgd(Sgd),
    Adam(Adam),
    RmsProp(RmsProp),
    Adagrad(Adagrad),
    Adadelta(Adadelta),
    Adamax(Adamax),
    Nadam(Nadam),
    Lion(Lion),
}

macro_rules! each_rule {
    ($rule:expr, $r:ident => $body:expr) => {
        match $rule {
            Rule::Sgd($r) => $body,
            Rule::Adam($r) => $body,
            Rule::RmsProp($r) => $body,
            Rule::Adagrad($r) => $body,
            Rule::Adadelta($r) => $body,
            Rule::Adamax($r) => $body,
            Rule::Nadam($r) => $body,
            Rule::Lion($r) => $body,
        }
    };
}

impl Rule {
    fn new(kind: Kind, h: &Hyper) -> Rule {
        match kind {
            Kind::Sgd => Rule::Sgd(Sgd::new(h)),
            Kind::Adam | Kind::AdamW => Rule::Adam(Adam::new(h)),
            Kind::RmsProp => Rule::RmsProp(RmsProp::new(h)),
            Kind::Adagrad => Rule::Adagrad(Adagrad::new(h)),
            Kind::Adadelta => Rule::Adadelta(Adadelta::new(h)),
            Kind::Adamax => Rule::Adamax(Adamax::new(h)),
            Kind::Nadam => Rule::Nadam(Nadam::new(h)),
            Kind::Lion => Rule::Lion(Lion::new(h)),
        }
    }

    fn slots(&self) -> usize {
        each_rule!(self, r => r.slots())
    }

    fn cpu(&self, bufs: &mut [&mut [f32]], g: &[f32]) {
        each_rule!(self, r => r.cpu(bufs, g))
    }

    fn device(&self, w: &Tensor, g: &Tensor, slots: &[Tensor]) -> Result<Vec<Tensor>> {
        each_rule!(self, r => r.device(w, g, slots))
    }
}

/// How many slot variables `kind` keeps per model variable with `hyper`
/// (SGD: 1 with momentum, else 0; Adam: 2, 3 with amsgrad; RMSprop: 1, +1
/// with momentum, +1 centered; ...).
pub fn slot_count(kind: Kind, hyper: &Hyper) -> usize {
    Rule::new(kind, hyper).slots()
}

/// The clipping factor of one gradient: a host number, or a 0-d tensor
/// on the gradient's device (never read back to the host there).
enum Scale {
    One,
    Host(f32),
    Device(Tensor),
}

/// The elementwise gradient preparation of the CPU path.
#[derive(Debug, Clone, Copy, Default)]
struct Prep {
    loss_scale: Option<f32>,
    scale: Option<f32>,
    clipvalue: Option<f32>,
}

impl Prep {
    fn is_identity(&self) -> bool {
        self.loss_scale.is_none() && self.scale.is_none() && self.clipvalue.is_none()
    }

    #[inline(always)]
    fn one(&self, mut x: f32) -> f32 {
        if let Some(s) = self.loss_scale {
            x /= s;
        }
        if let Some(s) = self.scale {
            x *= s;
        }
        if let Some(c) = self.clipvalue {
            // Comparisons, not min/max: a NaN gradient stays NaN.
            x = if x < -c {
                -c
            } else if x > c {
                c
            } else {
                x
            };
        }
        x
    }
}

/// The float32 elements of a CPU tensor, borrowed when contiguous.
fn host_elements(t: &Tensor) -> Option<Cow<'_, [f32]>> {
    match t.storage() {
        Storage::Cpu(CpuStorage::F32(v)) => Some(crate::cpu::elements_of(v, t.layout())),
        _ => None,
    }
}

/// `sum(g²)` (after loss unscaling) on the host, in f64.
fn host_sum_squares(g: &[f32], loss_scale: Option<f32>) -> f64 {
    let s = loss_scale.map_or(1.0, f64::from);
    g.iter()
        .map(|&x| {
            let x = f64::from(x) / s;
            x * x
        })
        .sum()
}

/// `sum(g²)` (after loss unscaling) as a 0-d tensor on `g`'s device.
fn device_sum_squares(g: &Tensor, loss_scale: Option<f32>) -> Result<Tensor> {
    let g = match loss_scale {
        Some(s) => ops::mul_scalar(g, 1.0 / f64::from(s))?,
        None => g.clone(),
    };
    ops::sum(&ops::square(&g)?, None, false)
}

/// Updates every variable in `vars` in place with its gradient, per the
/// rule `kind`. `slots[i]` are the slot variables of `vars[i]` in Keras's
/// order (see each rule's `slots`); `decay[i]` says whether `vars[i]`
/// takes weight decay (default: all do, when `hyper.weight_decay` is set).
pub fn update(
    kind: Kind,
    vars: &[Variable],
    grads: &[Tensor],
    slots: &[Vec<Variable>],
    hyper: &Hyper,
    decay: Option<&[bool]>,
) -> Result<()> {
    if grads.len() != vars.len() || slots.len() != vars.len() {
        bail!(
            Value,
            "optimizer update: got {} variables, {} gradients and {} slot lists; they must match",
            vars.len(),
            grads.len(),
            slots.len()
        );
    }
    if let Some(d) = decay {
        if d.len() != vars.len() {
            bail!(
                Value,
                "optimizer update: got {} weight-decay flags for {} variables",
                d.len(),
                vars.len()
            );
        }
    }
    let rule = Rule::new(kind, hyper);
    let want = rule.slots();
    let mut gs = Vec::with_capacity(vars.len());
    for ((v, g), s) in vars.iter().zip(grads).zip(slots) {
        if s.len() != want {
            bail!(
                Value,
                "optimizer update ({kind:?}): variable '{}' has {} slot variables, expected {want}",
                v.name(),
                s.len()
            );
        }
        let current = v.peek();
        if g.shape() != current.shape() {
            bail!(
                Shape,
                "optimizer update: variable '{}' has shape {}, but its gradient has shape {}",
                v.name(),
                current.shape(),
                g.shape()
            );
        }
        for sv in s {
            if sv.peek().shape() != current.shape() {
                bail!(
                    Shape,
                    "optimizer update: slot '{}' of variable '{}' has shape {}, expected {}",
                    sv.name(),
                    v.name(),
                    sv.peek().shape(),
                    current.shape()
                );
            }
        }
        let g = if g.dtype() == DType::F32 {
            g.clone()
        } else {
            ops::cast(g, DType::F32)?
        };
        gs.push(g.to_device(current.device())?);
    }
    without_recording(|| {
        let scales = clip_scales(&gs, hyper)?;
        let loss_scale = hyper.loss_scale_factor.map(|s| s as f32);
        let clipvalue = hyper.clipvalue.filter(|&c| c > 0.0).map(|c| c as f32);
        let decay_of = |i: usize| match hyper.weight_decay {
            Some(wd) if decay.is_none_or(|d| d[i]) => Some((wd as f32, hyper.learning_rate as f32)),
            _ => None,
        };
        for (i, ((v, g), (s, scale))) in vars
            .iter()
            .zip(&gs)
            .zip(slots.iter().zip(scales))
            .enumerate()
        {
            let on_cpu = |x: &Tensor| x.device() == Device::Cpu && x.dtype() == DType::F32;
            let cpu = on_cpu(&v.peek()) && s.iter().all(|sv| on_cpu(&sv.peek()));
            if cpu {
                let scale = match scale {
                    Scale::One => None,
                    Scale::Host(x) => Some(x),
                    // Only when gradients on other devices joined the
                    // global norm: this CPU variable needs it as a number.
                    Scale::Device(t) => Some(t.item()? as f32),
                };
                let prep = Prep {
                    loss_scale,
                    scale,
                    clipvalue,
                };
                let g = host_elements(g).expect("gradients were moved to the variable's device");
                let mut all: Vec<&Variable> = vec![v];
                all.extend(s.iter());
                Variable::update_many_in_place(&all, |bufs| {
                    run_cpu(&rule, bufs, &g, prep, decay_of(i))
                })?;
            } else {
                update_on_device(&rule, v, g, s, scale, hyper, decay_of(i))?;
            }
        }
        Ok(())
    })
}

/// Each gradient's clipping factor: `clipnorm` per gradient, or the
/// shared `global_clipnorm` factor, as Keras computes them.
fn clip_scales(gs: &[Tensor], hyper: &Hyper) -> Result<Vec<Scale>> {
    let loss_scale = hyper.loss_scale_factor.map(|s| s as f32);
    if let Some(c) = hyper.clipnorm.filter(|&c| c > 0.0) {
        return gs
            .iter()
            .map(|g| match host_elements(g) {
                Some(x) => {
                    let norm = host_sum_squares(&x, loss_scale).sqrt();
                    Ok(Scale::Host((c / norm.max(c)) as f32))
                }
                None => {
                    let norm = ops::sqrt(&device_sum_squares(g, loss_scale)?)?;
                    let cc = ops::full_like(&norm, c)?;
                    Ok(Scale::Device(ops::divide(&cc, &ops::maximum(&norm, &cc)?)?))
                }
            })
            .collect();
    }
    if let Some(c) = hyper.global_clipnorm.filter(|&c| c > 0.0) {
        let mut host = 0.0f64;
        let mut partial: Option<Tensor> = None;
        for g in gs {
            match host_elements(g) {
                Some(x) => host += host_sum_squares(&x, loss_scale),
                None => {
                    let s = device_sum_squares(g, loss_scale)?;
                    partial = Some(match partial {
                        None => s,
                        Some(p) => ops::add(&p, &s.to_device(p.device())?)?,
                    });
                }
            }
        }
        let scale = match partial {
            None => {
                let norm = host.sqrt();
                // `c*min(1/norm, 1/c)`, and NaN when the norm is not finite.
                let not_finite = if norm.is_finite() { 0.0 } else { f64::NAN };
                Scale::Host((c * (1.0 / norm).min(1.0 / c) + not_finite) as f32)
            }
            Some(p) => {
                let norm = ops::sqrt(&ops::add_scalar(&p, host)?)?;
                let inv = ops::reciprocal(&norm)?;
                let s = ops::mul_scalar(&ops::minimum(&inv, &ops::full_like(&inv, 1.0 / c)?)?, c)?;
                Scale::Device(ops::add(&s, &ops::subtract(&norm, &norm)?)?)
            }
        };
        return Ok(gs
            .iter()
            .map(|_| match &scale {
                Scale::One => Scale::One,
                Scale::Host(x) => Scale::Host(*x),
                Scale::Device(t) => Scale::Device(t.clone()),
            })
            .collect());
    }
    Ok(gs.iter().map(|_| Scale::One).collect())
}

/// Updates touching fewer bytes than this run on the calling thread; larger
/// ones are split in chunks across the [`team`](crate::cpu::team), whose
/// helpers are awake from the step's products. (Through the rayon pool a
/// 784x300 SGD update took 145-220 us in an MLP step against 72 us inline:
/// waking parked workers costs more than the second thread saves.)
const PARALLEL_BYTES: usize = 1 << 18;

/// The CPU path: weight decay, gradient preparation and the rule in one
/// pass per chunk of `CHUNK` elements (chunks in parallel when large).
fn run_cpu(rule: &Rule, bufs: &mut [&mut [f32]], g: &[f32], prep: Prep, decay: Option<(f32, f32)>) {
    let n = g.len();
    if n == 0 {
        return;
    }
    let chunk = |b: &mut [&mut [f32]], g: &[f32]| {
        let scratch: Vec<f32>;
        let g = if prep.is_identity() {
            g
        } else {
            scratch = g.iter().map(|&x| prep.one(x)).collect();
            &scratch
        };
        if let Some((wd, lr)) = decay {
            simd::zip1(b[0], g, |w, _| *w -= *w * wd * lr);
        }
        rule.cpu(b, g);
    };
    // A variable, its slots and its gradient each stream through once.
    let bytes = n * (bufs.len() + 1) * std::mem::size_of::<f32>();
    if bytes < PARALLEL_BYTES {
        chunk(bufs, g);
        return;
    }
    let mut per_chunk: Vec<Mutex<Vec<&mut [f32]>>> = (0..n.div_ceil(CHUNK))
        .map(|_| Mutex::new(Vec::with_capacity(bufs.len())))
        .collect();
    for buf in bufs.iter_mut() {
        for (i, c) in buf.chunks_mut(CHUNK).enumerate() {
            per_chunk[i]
                .get_mut()
                .unwrap_or_else(|e| e.into_inner())
                .push(c);
        }
    }
    team::for_each_part(per_chunk.len(), &|i| {
        // Each part locks only its own chunk: never contended.
        let mut b = per_chunk[i].lock().unwrap_or_else(|e| e.into_inner());
        chunk(&mut b, &g[i * CHUNK..((i + 1) * CHUNK).min(n)]);
    });
}

/// The path for variables off the CPU: the same math from `ops`, on the
/// variable's device, then `assign`.
fn update_on_device(
    rule: &Rule,
    v: &Variable,
    g: &Tensor,
    slots: &[Variable],
    scale: Scale,
    hyper: &Hyper,
    decay: Option<(f32, f32)>,
) -> Result<()> {
    let mut g = g.clone();
    if let Some(s) = hyper.loss_scale_factor {
        g = ops::divide(&g, &Tensor::scalar(s as f32, g.device())?)?;
    }
    match scale {
        Scale::One => {}
        Scale::Host(x) => g = ops::mul_scalar(&g, f64::from(x))?,
        Scale::Device(t) => g = ops::multiply(&g, &t.to_device(g.device())?)?,
    }
    if let Some(c) = hyper.clipvalue.filter(|&c| c > 0.0) {
        g = ops::clip(&g, -c, c)?;
    }
    let mut w = v.peek();
    if let Some((wd, lr)) = decay {
        w = ops::subtract(
            &w,
            &ops::mul_scalar(&ops::mul_scalar(&w, f64::from(wd))?, f64::from(lr))?,
        )?;
    }
    let old: Vec<Tensor> = slots.iter().map(Variable::peek).collect();
    let new = rule.device(&w, &g, &old)?;
    v.assign(&new[0])?;
    for (sv, value) in slots.iter().zip(&new[1..]) {
        sv.assign(value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
