"""Put on PYTHONPATH, makes TensorFlow and tensorflow-datasets look
uninstalled, as without the ``jaxgan[tfds]`` extra: importing them raises
ModuleNotFoundError and ``importlib.util.find_spec`` finds nothing."""

import sys

for name in ('tensorflow', 'tensorflow_datasets'):
  sys.modules[name] = None
