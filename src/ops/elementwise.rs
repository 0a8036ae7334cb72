//! Elementwise math with NumPy broadcasting, comparisons and `where`.

use super::kinds::{BinaryOp, UnaryOp};
use super::{common_device, needed};
use crate::autograd::record;
use crate::trace::kernel;
use crate::{bail, DType, Result, Shape, Tensor};

/// `op` on every element, float32 for float math (ints are cast first).
fn unary_raw(x: &Tensor, op: UnaryOp) -> Result<Tensor> {
    let x = match x.dtype() {
        DType::Bool if op == UnaryOp::Not => x.clone(),
        DType::I32 | DType::I64 if op.keeps_int() => x.clone(),
        DType::F32 => x.clone(),
        _ if op == UnaryOp::Not => bail!(
            DType,
            "logical_not expects a bool tensor, got {}",
            x.dtype()
        ),
        _ => cast(x, DType::F32)?,
    };
    kernel(&[&x], move |x| {
        let storage = x[0].storage().unary(op, x[0].layout())?;
        Ok(Tensor::from_storage(storage, x[0].shape().clone()))
    })
}

/// A differentiable unary op whose input gradient is `g * dydx(x, y)`.
fn unary_with_grad(
    x: &Tensor,
    op: UnaryOp,
    dydx: impl Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + Sync + 'static,
) -> Result<Tensor> {
    let y = unary_raw(x, op)?;
    record(&[x], &y, || {
        let (x, y2) = (x.clone(), y.clone());
        Box::new(move |g, _| Ok(vec![Some(multiply(g, &dydx(&x, &y2)?)?)]))
    });
    Ok(y)
}

pub fn negative(x: &Tensor) -> Result<Tensor> {
    let y = unary_raw(x, UnaryOp::Neg)?;
    record(&[x], &y, || Box::new(|g, _| Ok(vec![Some(negative(g)?)])));
    Ok(y)
}

pub fn abs(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Abs, |x, _| sign(x))
}

/// Piecewise-constant ops have zero gradient (as in JAX), not `None`.
fn unary_flat(x: &Tensor, op: UnaryOp) -> Result<Tensor> {
    let y = unary_raw(x, op)?;
    record(&[x], &y, || {
        Box::new(|g, _| Ok(vec![Some(zeros_like_f32(g)?)]))
    });
    Ok(y)
}

fn zeros_like_f32(g: &Tensor) -> Result<Tensor> {
    Tensor::zeros(g.shape().clone(), DType::F32, g.device())
}

pub fn sign(x: &Tensor) -> Result<Tensor> {
    unary_flat(x, UnaryOp::Sign)
}

pub fn floor(x: &Tensor) -> Result<Tensor> {
    unary_flat(x, UnaryOp::Floor)
}

pub fn ceil(x: &Tensor) -> Result<Tensor> {
    unary_flat(x, UnaryOp::Ceil)
}

/// Rounds half to even, as NumPy does.
pub fn round(x: &Tensor) -> Result<Tensor> {
    unary_flat(x, UnaryOp::Round)
}

pub fn exp(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Exp, |_, y| Ok(y.clone()))
}

pub fn expm1(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Expm1, |_, y| add_scalar(y, 1.0))
}

pub fn log(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Log, |x, _| reciprocal(x))
}

pub fn log1p(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Log1p, |x, _| reciprocal(&add_scalar(x, 1.0)?))
}

pub fn sqrt(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Sqrt, |_, y| reciprocal(&mul_scalar(y, 2.0)?))
}

pub fn square(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Square, |x, _| mul_scalar(x, 2.0))
}

pub fn reciprocal(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Recip, |_, y| negative(&square(y)?))
}

pub fn sin(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Sin, |x, _| cos(x))
}

pub fn cos(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Cos, |x, _| negative(&sin(x)?))
}

pub fn tanh(x: &Tensor) -> Result<Tensor> {
    // d tanh = 1 - y^2
    unary_with_grad(x, UnaryOp::Tanh, |_, y| rsub_scalar(1.0, &square(y)?))
}

pub fn sigmoid(x: &Tensor) -> Result<Tensor> {
    // d sigmoid = y (1 - y)
    unary_with_grad(x, UnaryOp::Sigmoid, |_, y| {
        multiply(y, &rsub_scalar(1.0, y)?)
    })
}

pub fn relu(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Relu, |x, _| {
        cast(
            &greater(x, &Tensor::scalar(0.0f32, x.device())?)?,
            DType::F32,
        )
    })
}

pub fn erf(x: &Tensor) -> Result<Tensor> {
    unary_with_grad(x, UnaryOp::Erf, |x, _| {
        mul_scalar(
            &exp(&negative(&square(x)?)?)?,
            std::f64::consts::FRAC_2_SQRT_PI,
        )
    })
}

pub fn logical_not(x: &Tensor) -> Result<Tensor> {
    unary_raw(&to_bool(x)?, UnaryOp::Not)
}

fn to_bool(x: &Tensor) -> Result<Tensor> {
    if x.dtype() == DType::Bool {
        Ok(x.clone())
    } else {
        not_equal(x, &Tensor::scalar(0i32, x.device())?)
    }
}

/// Converts to `dtype`. Float-to-float is the identity for gradients;
/// casts to or from integers carry no gradient.
pub fn cast(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if x.dtype() == dtype {
        return Ok(x.clone());
    }
    kernel(&[x], move |x| {
        let storage = x[0].storage().cast(x[0].layout(), dtype)?;
        Ok(Tensor::from_storage(storage, x[0].shape().clone()))
    })
}

/// Broadcasts both operands and converts them to the dtype `op` computes in.
fn prepare(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor, Shape)> {
    common_device(&format!("{op:?}"), &[a, b])?;
    let shape = a.shape().broadcast(b.shape(), op_name(op))?;
    let mut dtype = DType::promote(a.dtype(), b.dtype());
    if dtype == DType::Bool && !op.yields_bool() {
        dtype = DType::I32;
    }
    if matches!(op, BinaryOp::Div | BinaryOp::Pow) && dtype.is_int() {
        dtype = DType::F32;
    }
    Ok((cast(a, dtype)?, cast(b, dtype)?, shape))
}

fn op_name(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "add",
        BinaryOp::Sub => "subtract",
        BinaryOp::Mul => "multiply",
        BinaryOp::Div => "divide",
        BinaryOp::Pow => "power",
        BinaryOp::Maximum => "maximum",
        BinaryOp::Minimum => "minimum",
        BinaryOp::Equal => "equal",
        BinaryOp::NotEqual => "not_equal",
        BinaryOp::Less => "less",
        BinaryOp::LessEqual => "less_equal",
        BinaryOp::Greater => "greater",
        BinaryOp::GreaterEqual => "greater_equal",
        BinaryOp::LogicalAnd => "logical_and",
        BinaryOp::LogicalOr => "logical_or",
    }
}

fn binary_raw(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (a, b, shape) = prepare(op, a, b)?;
    let name = op_name(op);
    let la = a.layout().broadcast_to(&shape, name)?;
    let lb = b.layout().broadcast_to(&shape, name)?;
    kernel(&[&a, &b], move |x| {
        let storage = x[0].storage().binary(op, &la, x[1].storage(), &lb)?;
        Ok(Tensor::from_storage(storage, shape.clone()))
    })
}

/// Sums a broadcast gradient back down to `shape`.
pub fn sum_to_shape(g: &Tensor, shape: &Shape) -> Result<Tensor> {
    if g.shape() == shape {
        return Ok(g.clone());
    }
    let Some(extra) = g.rank().checked_sub(shape.rank()) else {
        bail!(
            Shape,
            "sum_to_shape: cannot sum a gradient of shape {} down to shape {shape}",
            g.shape()
        );
    };
    let axes: Vec<isize> = (0..g.rank())
        .filter(|&a| a < extra || (shape.dims()[a - extra] == 1 && g.dims()[a] != 1))
        .map(|a| a as isize)
        .collect();
    let summed = super::sum(g, Some(&axes), true)?;
    super::reshape(&summed, shape.dims())
}

/// A binary op whose gradients are `(g * da, g * db)`, summed back to the
/// operands' shapes.
fn binary_with_grad(
    op: BinaryOp,
    a: &Tensor,
    b: &Tensor,
    grads: impl Fn(&Tensor, &Tensor, &Tensor, &Tensor, [bool; 2]) -> Result<[Option<Tensor>; 2]>
        + Send
        + Sync
        + 'static,
) -> Result<Tensor> {
    let y = binary_raw(op, a, b)?;
    record(&[a, b], &y, || {
        let (a, b, y2) = (a.clone(), b.clone(), y.clone());
        Box::new(move |g, need| {
            let [ga, gb] = grads(g, &a, &b, &y2, [need[0], need[1]])?;
            Ok(vec![
                ga.map(|ga| sum_to_shape(&ga, a.shape())).transpose()?,
                gb.map(|gb| sum_to_shape(&gb, b.shape())).transpose()?,
            ])
        })
    });
    Ok(y)
}

pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary_with_grad(BinaryOp::Add, a, b, |g, _, _, _, need| {
        Ok([
            needed(need[0], || Ok(g.clone()))?,
            needed(need[1], || Ok(g.clone()))?,
        ])
    })
}

pub fn subtract(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary_with_grad(BinaryOp::Sub, a, b, |g, _, _, _, need| {
        Ok([
            needed(need[0], || Ok(g.clone()))?,
            needed(need[1], || negative(g))?,
        ])
    })
}

pub fn multiply(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary_with_grad(BinaryOp::Mul, a, b, |g, a, b, _, need| {
        Ok([
            needed(need[0], || multiply(g, b))?,
            needed(need[1], || multiply(g, a))?,
        ])
    })
}

/// True division: integers divide as float32, as in Keras.
pub fn divide(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary_with_grad(BinaryOp::Div, a, b, |g, _, b, y, need| {
        Ok([
            needed(need[0], || divide(g, b))?,
            needed(need[1], || negative(&divide(&multiply(g, y)?, b)?))?,
        ])
    })
}

/// `a / b`, and 0 where `b` is 0 (`keras.ops.divide_no_nan`). The divisor
/// is made safe before dividing, so the gradient is finite there too.
pub fn divide_no_nan(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let device = common_device("divide_no_nan", &[a, b])?;
    let zero = equal(b, &Tensor::scalar(0.0f32, device)?)?;
    let safe = where_(&zero, &Tensor::scalar(1.0f32, device)?, b)?;
    let quotient = divide(a, &safe)?;
    where_(&zero, &Tensor::scalar(0.0f32, device)?, &quotient)
}

/// `a ** b`. Integer operands give an integer result, as in Keras (the
/// kernel computes in float32, exact for results below 2**24).
pub fn power(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dtype().is_int() && b.dtype().is_int() {
        let y = float_power(a, b)?;
        return cast(&round(&y)?, DType::promote(a.dtype(), b.dtype()));
    }
    float_power(a, b)
}

fn float_power(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary_with_grad(BinaryOp::Pow, a, b, |g, a, b, y, need| {
        let ga = needed(need[0], || {
            let bm1 = sub_scalar(b, 1.0)?;
            multiply(g, &multiply(b, &power(a, &bm1)?)?)
        })?;
        // d/db a^b = a^b log(a), taken as 0 where a <= 0 (as TensorFlow does).
        let gb = needed(need[1], || {
            let zero = Tensor::scalar(0.0f32, a.device())?;
            let positive = greater(a, &zero)?;
            let safe = where_(&positive, a, &Tensor::scalar(1.0f32, a.device())?)?;
            multiply(g, &multiply(y, &where_(&positive, &log(&safe)?, &zero)?)?)
        })?;
        Ok([ga, gb])
    })
}

fn mask_f32(m: Result<Tensor>) -> Result<Tensor> {
    cast(&m?, DType::F32)
}

/// Ties send the gradient to `a`, as TensorFlow does.
pub fn maximum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary_with_grad(BinaryOp::Maximum, a, b, |g, a, b, _, need| {
        Ok([
            needed(need[0], || multiply(g, &mask_f32(greater_equal(a, b))?))?,
            needed(need[1], || multiply(g, &mask_f32(less(a, b))?))?,
        ])
    })
}

pub fn minimum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary_with_grad(BinaryOp::Minimum, a, b, |g, a, b, _, need| {
        Ok([
            needed(need[0], || multiply(g, &mask_f32(less_equal(a, b))?))?,
            needed(need[1], || multiply(g, &mask_f32(greater(a, b))?))?,
        ])
    })
}

macro_rules! comparison {
    ($($name:ident => $op:ident),* $(,)?) => {$(
        pub fn $name(a: &Tensor, b: &Tensor) -> Result<Tensor> {
            binary_raw(BinaryOp::$op, a, b)
        }
    )*};
}

comparison! {
    equal => Equal,
    not_equal => NotEqual,
    less => Less,
    less_equal => LessEqual,
    greater => Greater,
    greater_equal => GreaterEqual,
}

pub fn logical_and(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary_raw(BinaryOp::LogicalAnd, &to_bool(a)?, &to_bool(b)?)
}

pub fn logical_or(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary_raw(BinaryOp::LogicalOr, &to_bool(a)?, &to_bool(b)?)
}

/// `on_true` where `condition` holds, else `on_false`, all broadcast.
pub fn where_(condition: &Tensor, on_true: &Tensor, on_false: &Tensor) -> Result<Tensor> {
    common_device("where", &[condition, on_true, on_false])?;
    let cond = to_bool(condition)?;
    let shape = cond
        .shape()
        .broadcast(on_true.shape(), "where")?
        .broadcast(on_false.shape(), "where")?;
    let dtype = DType::promote(on_true.dtype(), on_false.dtype());
    let (t, f) = (cast(on_true, dtype)?, cast(on_false, dtype)?);
    let lc = cond.layout().broadcast_to(&shape, "where")?;
    let lt = t.layout().broadcast_to(&shape, "where")?;
    let lf = f.layout().broadcast_to(&shape, "where")?;
    let y = kernel(&[&cond, &t, &f], move |x| {
        let storage = x[0]
            .storage()
            .select(&lc, (x[1].storage(), &lt), (x[2].storage(), &lf))?;
        Ok(Tensor::from_storage(storage, shape.clone()))
    })?;
    record(&[on_true, on_false], &y, || {
        let (cond, ts, fs) = (
            cond.clone(),
            on_true.shape().clone(),
            on_false.shape().clone(),
        );
        Box::new(move |g, need| {
            let zero = Tensor::scalar(0.0f32, g.device())?;
            Ok(vec![
                needed(need[0], || sum_to_shape(&where_(&cond, g, &zero)?, &ts))?,
                needed(need[1], || sum_to_shape(&where_(&cond, &zero, g)?, &fs))?,
            ])
        })
    });
    Ok(y)
}

/// Limits values to `[min, max]`; the gradient passes where not clipped.
pub fn clip(x: &Tensor, min: f64, max: f64) -> Result<Tensor> {
    let device = x.device();
    let lo = cast(&Tensor::scalar(min as f32, device)?, x.dtype())?;
    let hi = cast(&Tensor::scalar(max as f32, device)?, x.dtype())?;
    minimum(&maximum(x, &lo)?, &hi)
}

fn scalar_like(x: &Tensor, value: f64) -> Result<Tensor> {
    Tensor::scalar(value as f32, x.device())
}

pub fn add_scalar(x: &Tensor, value: f64) -> Result<Tensor> {
    add(x, &scalar_like(x, value)?)
}

pub fn sub_scalar(x: &Tensor, value: f64) -> Result<Tensor> {
    subtract(x, &scalar_like(x, value)?)
}

pub fn rsub_scalar(value: f64, x: &Tensor) -> Result<Tensor> {
    subtract(&scalar_like(x, value)?, x)
}

pub fn mul_scalar(x: &Tensor, value: f64) -> Result<Tensor> {
    multiply(x, &scalar_like(x, value)?)
}

pub fn pow_scalar(x: &Tensor, p: f64) -> Result<Tensor> {
    power(x, &scalar_like(x, p)?)
}
