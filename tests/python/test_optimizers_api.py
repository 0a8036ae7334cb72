"""Optimizer state, names, configs, schedules and errors, as Keras 3 has
them; the custom training loop."""

import math
import warnings

import numpy as np
import pytest

import rkeras
from rkeras import ops, optimizers
from rkeras.backend.variable import Variable
from rkeras.optimizers import schedules


def two_vars():
    k = Variable(np.ones((2, 3), "float32"), name="kernel", path="dense/kernel")
    b = Variable(np.zeros((3,), "float32"), name="bias", path="dense/bias")
    return k, b


SLOT_NAMES = [
    (optimizers.SGD(), []),
    (optimizers.SGD(momentum=0.9), ["dense_kernel_momentum", "dense_bias_momentum"]),
    (
        optimizers.Adam(),
        [
            "dense_kernel_momentum",
            "dense_kernel_velocity",
            "dense_bias_momentum",
            "dense_bias_velocity",
        ],
    ),
    (
        optimizers.Adam(amsgrad=True),
        [
            "dense_kernel_momentum",
            "dense_kernel_velocity",
            "dense_bias_momentum",
            "dense_bias_velocity",
            "dense_kernel_velocity_hat",
            "dense_bias_velocity_hat",
        ],
    ),
    (
        optimizers.RMSprop(momentum=0.5, centered=True),
        [
            "dense_kernel_velocity",
            "dense_bias_velocity",
            "dense_kernel_momentum",
            "dense_bias_momentum",
            "dense_kernel_average_gradient",
            "dense_bias_average_gradient",
        ],
    ),
    (optimizers.Adagrad(), ["dense_kernel_accumulator", "dense_bias_accumulator"]),
    (
        optimizers.Adadelta(),
        [
            "dense_kernel_accumulated_grad",
            "dense_kernel_accumulated_delta_var",
            "dense_bias_accumulated_grad",
            "dense_bias_accumulated_delta_var",
        ],
    ),
    (
        optimizers.Adamax(),
        ["dense_kernel_momentum", "dense_kernel_norm", "dense_bias_momentum", "dense_bias_norm"],
    ),
    (
        optimizers.Nadam(),
        [
            "dense_kernel_momentum",
            "dense_kernel_velocity",
            "dense_bias_momentum",
            "dense_bias_velocity",
            "variable",
        ],
    ),
    (optimizers.Lion(), ["dense_kernel_momentum", "dense_bias_momentum"]),
]


@pytest.mark.parametrize(("opt", "slots"), SLOT_NAMES, ids=lambda x: type(x).__name__)
def test_variables_in_keras_order(opt, slots):
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate"]
    opt.build(list(two_vars()))
    names = [v.name for v in opt.variables]
    assert names == ["iteration", "learning_rate", *slots]
    it = opt.variables[0]
    assert it.dtype == "int64" and tuple(it.shape) == () and not it.trainable
    assert opt.variables[1].dtype == "float32"
    for v in opt.variables[2:]:
        if v.name != "variable":
            assert tuple(v.shape) in {(2, 3), (3,)}


def test_adagrad_accumulators_start_at_initial_value():
    opt = optimizers.Adagrad(initial_accumulator_value=0.25)
    opt.build(list(two_vars()))
    np.testing.assert_array_equal(opt.variables[2].numpy(), np.full((2, 3), 0.25))


def test_defaults_match_keras():
    assert optimizers.SGD().get_config()["learning_rate"] == pytest.approx(0.01)
    sgd = optimizers.SGD().get_config()
    assert (sgd["momentum"], sgd["nesterov"]) == (0.0, False)
    adam = optimizers.Adam().get_config()
    assert (adam["beta_1"], adam["beta_2"], adam["epsilon"], adam["amsgrad"]) == (
        0.9,
        0.999,
        1e-7,
        False,
    )
    assert adam["learning_rate"] == pytest.approx(1e-3)
    assert optimizers.AdamW().get_config()["weight_decay"] == 0.004
    rms = optimizers.RMSprop().get_config()
    assert (rms["rho"], rms["momentum"], rms["epsilon"], rms["centered"]) == (
        0.9,
        0.0,
        1e-7,
        False,
    )
    ada = optimizers.Adagrad().get_config()
    assert (ada["initial_accumulator_value"], ada["epsilon"]) == (0.1, 1e-7)
    assert optimizers.Adadelta().get_config()["rho"] == 0.95
    assert optimizers.Lion().get_config()["beta_2"] == 0.99
    assert list(adam) == [
        "name",
        "learning_rate",
        "weight_decay",
        "clipnorm",
        "global_clipnorm",
        "clipvalue",
        "use_ema",
        "ema_momentum",
        "ema_overwrite_frequency",
        "loss_scale_factor",
        "gradient_accumulation_steps",
        "beta_1",
        "beta_2",
        "epsilon",
        "amsgrad",
    ]


def test_learning_rate_is_the_float32_value_in_config():
    cfg = optimizers.Adam(learning_rate=1e-2).get_config()
    assert cfg["learning_rate"] == 0.009999999776482582


ALL = [
    optimizers.SGD,
    optimizers.Adam,
    optimizers.AdamW,
    optimizers.RMSprop,
    optimizers.Adagrad,
    optimizers.Adadelta,
    optimizers.Adamax,
    optimizers.Nadam,
    optimizers.Lion,
]


@pytest.mark.parametrize("cls", ALL)
def test_config_round_trip(cls):
    opt = cls(learning_rate=0.05, clipnorm=1.5, name="my_opt")
    cfg = opt.get_config()
    again = cls.from_config(cfg)
    assert again.get_config() == cfg
    env = optimizers.serialize(opt)
    assert env["module"] == "keras.optimizers" and env["class_name"] == cls.__name__
    restored = optimizers.deserialize(env)
    assert type(restored) is cls and restored.get_config() == cfg


def test_config_round_trip_with_schedule():
    sched = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9)
    opt = optimizers.SGD(learning_rate=sched)
    cfg = opt.get_config()
    assert cfg["learning_rate"] == {
        "module": "keras.optimizers.schedules",
        "class_name": "ExponentialDecay",
        "config": {
            "initial_learning_rate": 0.1,
            "decay_steps": 10,
            "decay_rate": 0.9,
            "staircase": False,
            "name": "ExponentialDecay",
        },
        "registered_name": None,
    }
    again = optimizers.SGD.from_config(cfg)
    assert isinstance(again._learning_rate, schedules.ExponentialDecay)
    assert again.get_config() == cfg


def test_get():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    for name, cls in [
        ("sgd", optimizers.SGD),
        ("adamw", optimizers.AdamW),
        ("adagrad", optimizers.Adagrad),
        ("adadelta", optimizers.Adadelta),
        ("adamax", optimizers.Adamax),
        ("nadam", optimizers.Nadam),
        ("lion", optimizers.Lion),
    ]:
        assert type(optimizers.get(name)) is cls
    assert optimizers.get("rmsprop").name.startswith("rm_sprop")
    assert optimizers.get("adamw").name.startswith("adam_w")
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    got = optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.5}})
    assert isinstance(got, optimizers.Adam) and float(got.learning_rate) == 0.5


@pytest.mark.parametrize("bad", ["nope", {"class_name": "Nope", "config": {}}, 3])
def test_get_unknown_raises(bad):
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(bad)


def test_constructor_errors():
    with pytest.raises(ValueError, match="should be float"):
        optimizers.SGD(learning_rate=1)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=2.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(bogus=1)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)


def test_iterations_count_and_learning_rate_setter():
    k, b = two_vars()
    opt = optimizers.SGD(learning_rate=0.5)
    g = np.ones((2, 3), "float32")
    opt.apply_gradients([(g, k), (np.ones(3, "float32"), b)])
    assert int(opt.iterations) == 1
    opt.learning_rate = 0.25
    assert float(opt.learning_rate) == 0.25
    opt.apply([g, np.ones(3, "float32")])
    assert int(opt.iterations) == 2
    np.testing.assert_allclose(k.numpy(), 1 - 0.5 - 0.25)
    sched_opt = optimizers.SGD(learning_rate=schedules.InverseTimeDecay(1.0, 1, 1.0))
    with pytest.raises(TypeError, match="not settable"):
        sched_opt.learning_rate = 0.1


def test_value_captured_before_an_update_keeps_its_value():
    k, b = two_vars()
    before = k.value
    as_numpy = k.numpy()
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply_gradients([(np.ones((2, 3), "float32"), k), (np.ones(3, "float32"), b)])
    np.testing.assert_array_equal(ops.convert_to_numpy(before), np.ones((2, 3)))
    np.testing.assert_array_equal(as_numpy, np.ones((2, 3)))
    assert not np.allclose(k.numpy(), 1.0)


def test_none_gradients_are_skipped_with_a_warning():
    k, b = two_vars()
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(np.ones((2, 3), "float32"), k), (None, b)])
    np.testing.assert_array_equal(b.numpy(), np.zeros(3))
    np.testing.assert_array_equal(k.numpy(), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, k), (None, b)])


def test_unknown_variable_and_bad_counts():
    k, b = two_vars()
    opt = optimizers.SGD()
    opt.apply_gradients([(np.ones((2, 3), "float32"), k)])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(np.ones(3, "float32"), b)])
    fresh = optimizers.SGD()
    with pytest.raises(ValueError, match="must already be built"):
        fresh.apply([np.ones(3, "float32")])
    with pytest.raises(ValueError, match="shape"):
        opt.apply_gradients([(np.ones((3, 2), "float32"), k)])


def test_constraint_applied_after_update():
    k = Variable(
        np.ones((2,), "float32"),
        name="k",
        constraint=lambda x: ops.clip(x, -0.1, 0.1),
    )
    opt = optimizers.SGD(learning_rate=0.5)
    opt.apply_gradients([(np.array([1.0, -1.0], "float32"), k)])
    np.testing.assert_allclose(k.numpy(), [0.1, 0.1])


def test_ema_and_overwrite():
    k = Variable(np.ones((2,), "float32"), name="k")
    opt = optimizers.SGD(
        learning_rate=0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=3
    )
    g = np.ones((2,), "float32")
    opt.apply_gradients([(g, k)])
    average = [v for v in opt.variables if v.name == "k_average"][0]
    # First step: the average is the variable.
    np.testing.assert_allclose(average.numpy(), [0.9, 0.9], rtol=1e-6)
    opt.apply_gradients([(g, k)])
    np.testing.assert_allclose(average.numpy(), [0.5 * 0.9 + 0.5 * 0.8] * 2, rtol=1e-6)
    opt.apply_gradients([(g, k)])
    avg3 = 0.5 * 0.85 + 0.5 * 0.7
    np.testing.assert_allclose(average.numpy(), [avg3] * 2, rtol=1e-6)
    # Step 3 overwrites the variable with the average.
    np.testing.assert_allclose(k.numpy(), [avg3] * 2, rtol=1e-6)
    opt.finalize_variable_values([k])


def test_gradient_accumulation():
    k = Variable(np.zeros((2,), "float32"), name="k")
    opt = optimizers.Adam(learning_rate=0.1, gradient_accumulation_steps=2)
    opt.apply_gradients([(np.array([1.0, 3.0], "float32"), k)])
    np.testing.assert_array_equal(k.numpy(), [0.0, 0.0])
    acc = [v for v in opt.variables if v.name == "k_gradient_accumulator"][0]
    np.testing.assert_array_equal(acc.numpy(), [1.0, 3.0])
    opt.apply_gradients([(np.array([3.0, 1.0], "float32"), k)])
    np.testing.assert_array_equal(acc.numpy(), [0.0, 0.0])
    # One Adam step (t = 1) with the mean gradient [2, 2]: -lr*sign.
    np.testing.assert_allclose(k.numpy(), [-0.1, -0.1], rtol=1e-5)
    assert int(opt._iterations) == 2 and int(opt.iterations) == 1


def test_custom_optimizer_subclass_uses_update_step():
    class HalfSGD(optimizers.Optimizer):
        def __init__(self, **kwargs):
            super().__init__(learning_rate=1.0, **kwargs)

        def build(self, variables):
            super().build(variables)
            self.steps = self.add_optimizer_variables(variables, "steps")

        def update_step(self, gradient, variable, learning_rate):
            s = self.steps[self._get_variable_index(variable)]
            self.assign_add(s, ops.ones_like(s))
            self.assign_sub(variable, ops.multiply(ops.multiply(gradient, 0.5), learning_rate))

    k = Variable(np.ones((2,), "float32"), name="k")
    opt = HalfSGD(clipvalue=1.0)
    opt.apply_gradients([(np.array([4.0, 0.5], "float32"), k)])
    np.testing.assert_allclose(k.numpy(), [0.5, 0.75])
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate", "k_steps"]
    np.testing.assert_array_equal(opt.variables[2].numpy(), [1.0, 1.0])


def test_save_and_load_own_variables():
    k, b = two_vars()
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply_gradients([(np.ones((2, 3), "float32"), k), (np.ones(3, "float32"), b)])
    store = {}
    opt.save_own_variables(store)
    assert sorted(store, key=int) == [str(i) for i in range(6)]
    other = optimizers.Adam(learning_rate=0.1)
    other.build([k, b])
    other.load_own_variables(store)
    assert int(other.iterations) == 1
    np.testing.assert_array_equal(other.variables[2].numpy(), store["2"])
    unbuilt = optimizers.Adam()
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        unbuilt.load_own_variables(store)


# -- schedules ----------------------------------------------------------


def lr_at(schedule, step):
    return float(schedule(step))


STEPS = [0, 1, 3, 7, 10, 25, 100]


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    s = schedules.ExponentialDecay(0.1, decay_steps=5, decay_rate=0.7, staircase=staircase)
    for step in STEPS:
        p = step // 5 if staircase else step / 5
        assert lr_at(s, step) == pytest.approx(0.1 * 0.7**p, rel=1e-6)


def test_piecewise_constant_decay():
    s = schedules.PiecewiseConstantDecay([3, 7], [1.0, 0.5, 0.1])
    got = [lr_at(s, step) for step in [0, 3, 4, 7, 8, 100]]
    assert got == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.1, 0.1])
    with pytest.raises(ValueError, match="1 less than"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


@pytest.mark.parametrize("cycle", [False, True])
def test_polynomial_decay(cycle):
    s = schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0, cycle=cycle)
    for step in STEPS:
        ds = 10.0
        if cycle:
            ds *= 1 if step == 0 else math.ceil(step / 10)
            st = step
        else:
            st = min(step, 10)
        want = (0.1 - 0.01) * (1 - st / ds) ** 2 + 0.01
        assert lr_at(s, step) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    s = schedules.InverseTimeDecay(0.5, decay_steps=4, decay_rate=0.3, staircase=staircase)
    for step in STEPS:
        p = step // 4 if staircase else step / 4
        assert lr_at(s, step) == pytest.approx(0.5 / (1 + 0.3 * p), rel=1e-6)


def test_cosine_decay_with_and_without_warmup():
    s = schedules.CosineDecay(0.2, decay_steps=20, alpha=0.1)
    for step in STEPS:
        st = min(step, 20)
        want = 0.2 * (0.9 * 0.5 * (1 + math.cos(math.pi * st / 20)) + 0.1)
        assert lr_at(s, step) == pytest.approx(want, rel=1e-6)
    w = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=0.3, warmup_steps=5)
    for step in STEPS:
        if step < 5:
            want = 0.3 * step / 5
        else:
            st = min(step, 15) - 5
            want = 0.3 * 0.5 * (1 + math.cos(math.pi * st / 10))
        assert lr_at(w, step) == pytest.approx(want, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("t_mul", [1.0, 2.0])
def test_cosine_decay_restarts(t_mul):
    s = schedules.CosineDecayRestarts(1.0, first_decay_steps=4, t_mul=t_mul, m_mul=0.5, alpha=0.1)
    # Periods: t_mul=1: every 4 steps; t_mul=2: [0,4), [4,12), [12,28).
    for step in [0, 1, 3, 4, 5, 8, 11, 12, 20, 27]:
        if t_mul == 1.0:
            i, start, length = step // 4, (step // 4) * 4, 4
        else:
            i, start, length = next(
                (i, 4 * (2**i - 1), 4 * 2**i) for i in range(10) if step < 4 * (2 ** (i + 1) - 1)
            )
        frac = (step - start) / length
        want = 0.9 * 0.5 * 0.5**i * (1 + math.cos(math.pi * frac)) + 0.1
        assert lr_at(s, step) == pytest.approx(want, rel=1e-5)


ALL_SCHEDULES = [
    schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
    schedules.PiecewiseConstantDecay([5], [0.1, 0.01]),
    schedules.PolynomialDecay(0.1, 10, cycle=True),
    schedules.InverseTimeDecay(0.1, 10, 0.5),
    schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=3),
    schedules.CosineDecayRestarts(0.1, 10),
]


@pytest.mark.parametrize("s", ALL_SCHEDULES, ids=lambda s: type(s).__name__)
def test_schedule_config_round_trip(s):
    env = schedules.serialize(s)
    assert env["module"] == "keras.optimizers.schedules"
    again = schedules.deserialize(env)
    assert type(again) is type(s) and again.get_config() == s.get_config()
    for step in [0, 4, 12]:
        assert lr_at(again, step) == lr_at(s, step)


def test_schedule_errors_and_defaults():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.9)
    with pytest.raises(ValueError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, 0)
    with pytest.raises(ValueError, match="Could not interpret"):
        schedules.deserialize({"class_name": "Nope", "config": {}})
    assert schedules.CosineDecayRestarts(0.1, 5).get_config()["name"] == "SGDRDecay"
    assert schedules.PiecewiseConstantDecay([1], [1.0, 2.0]).name == "PiecewiseConstant"

    class Bare(schedules.LearningRateSchedule):
        pass

    with pytest.raises(NotImplementedError):
        Bare()(1)
    with pytest.raises(NotImplementedError):
        Bare().get_config()


def test_custom_schedule_and_callable_learning_rate():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return ops.divide(1.0, ops.power(2.0, ops.cast(step, "float32")))

        def get_config(self):
            return {}

    k = Variable(np.zeros((1,), "float32"), name="k")
    opt = optimizers.SGD(learning_rate=Halving())
    for _ in range(3):
        opt.apply_gradients([(np.ones((1,), "float32"), k)])
    np.testing.assert_allclose(k.numpy(), [-(1 + 0.5 + 0.25)])
    k2 = Variable(np.zeros((1,), "float32"), name="k2")
    opt2 = optimizers.SGD(learning_rate=lambda: 0.3)
    opt2.apply_gradients([(np.ones((1,), "float32"), k2)])
    np.testing.assert_allclose(k2.numpy(), [-0.3], rtol=1e-6)
    assert [v.name for v in opt2.variables] == ["iteration"]


# -- the custom training loop ----------------------------------------------


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "adamw", "nadam", "lion"])
def test_custom_training_loop_reduces_the_loss(name):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 4)).astype("float32")
    true_w = np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")
    y = x @ true_w + 0.7
    w = Variable(np.zeros((4, 1), "float32"), name="kernel", path="dense/kernel")
    b = Variable(np.zeros((1,), "float32"), name="bias", path="dense/bias")
    opt = optimizers.get(name)
    opt.learning_rate = 0.05

    def loss_value():
        pred = ops.add(ops.matmul(x, w), b)
        return ops.mean(ops.square(ops.subtract(pred, y)))

    first = float(loss_value())
    for _ in range(30):
        with rkeras.GradientTape() as tape:
            loss = loss_value()
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b], strict=True))
    last = float(loss_value())
    assert last < 0.5 * first, (first, last)
    assert int(opt.iterations) == 30


def test_learning_rate_warns_nothing_on_normal_use():
    k, _ = two_vars()
    opt = optimizers.Adam()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.apply_gradients([(np.ones((2, 3), "float32"), k)])


def test_builtin_update_step_runs_the_rule_on_one_variable():
    k, b = two_vars()
    opt = optimizers.Adam(learning_rate=0.1)
    opt.build([k, b])
    opt.update_step(np.full((3,), 2.0, "float32"), b, 0.1)
    # Adam's first step moves by -lr * sign(g) (up to epsilon).
    np.testing.assert_allclose(b.numpy(), np.full((3,), -0.1), rtol=1e-5)
    np.testing.assert_array_equal(k.numpy(), np.ones((2, 3)))
    np.testing.assert_allclose(opt.variables[4].numpy(), np.full((3,), 0.2), rtol=1e-6)
