"""A custom layer and a subclassed model, Keras style: weights made in
`build`, the computation in `call`, a config for serialization.

Run: python examples/custom_layer.py
"""

import numpy as np

import rkeras as keras
from rkeras import layers, ops


class RBF(layers.Layer):
    """Radial-basis units: `exp(-gamma * |x - c|^2)` for learned centers c."""

    def __init__(self, units, gamma=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.gamma = gamma

    def build(self, input_shape):
        self.centers = self.add_weight(
            shape=(self.units, input_shape[-1]),
            initializer=keras.initializers.RandomUniform(-2, 2),
            name="centers",
        )

    def call(self, inputs):
        diff = ops.expand_dims(inputs, 1) - self.centers  # (batch, units, features)
        return ops.exp(-self.gamma * ops.sum(ops.square(diff), axis=-1))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gamma": self.gamma}


class RBFNet(keras.Model):
    def __init__(self):
        super().__init__(name="rbf_net")
        self.rbf = RBF(32, gamma=1.0)
        self.out = layers.Dense(1, activation="sigmoid")

    def call(self, inputs, training=None):
        return self.out(self.rbf(inputs))


def main():
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, size=(1000, 2)).astype("float32")
    y = ((x**2).sum(1) < 1.5).astype("float32")  # inside a circle or not
    model = RBFNet()
    model.compile(
        optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, epochs=20, batch_size=32, verbose=2)
    print("config of the custom layer:", model.rbf.get_config())
    print("weights:", [w.path for w in model.weights])


if __name__ == "__main__":
    main()
