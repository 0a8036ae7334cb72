"""The `serialize` / `deserialize` / `get` trio that Keras gives each family
of small objects (initializers, regularizers, constraints)."""


class Registry:
    """Looks up objects of one family by name, config dict or instance.

    Args:
        module: the Keras module written into configs (`"keras.initializers"`).
        kind: the family's name in error messages (`"initializer"`).
        by_name: class names and aliases mapped to classes.
    """

    def __init__(self, module, kind, by_name):
        self.module = module
        self.kind = kind
        self.by_name = by_name

    def serialize(self, obj):
        """The Keras config envelope of `obj` (`None` stays `None`, as Keras
        writes an unset regularizer or constraint)."""
        if obj is None:
            return None
        return {
            "module": self.module,
            "class_name": type(obj).__name__,
            "config": obj.get_config(),
            "registered_name": None,
        }

    def deserialize(self, config):
        """An object from a Keras config envelope."""
        cls = self.by_name.get(config["class_name"])
        if cls is None:
            raise ValueError(f"Unknown {self.kind}: {config['class_name']!r}")
        return cls.from_config(config.get("config", {}))

    def get(self, identifier):
        """An object from a name, a config dict, a class, an instance or a
        callable; `None` stays `None`."""
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if isinstance(identifier, str):
            cls = self.by_name.get(identifier)
            if cls is None:
                names = sorted(k for k in self.by_name if k.islower())
                raise ValueError(
                    f"Could not interpret {self.kind} identifier: {identifier!r}. "
                    f"Expected one of {names}"
                )
            return cls()
        if isinstance(identifier, type) and identifier in self.by_name.values():
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {self.kind} identifier: {identifier!r}")
