"""Threefry on CPU with its rounds unrolled: the same bits, compiled and run
faster.

JAX lowers its threefry2x32 hash (every ``jax.random`` call under the default
PRNG) as straight-line code on accelerators, but as a loop over its five
rounds on CPU. Under XLA:CPU's thunk runtime that loop costs more than it
saves: each iteration runs several thunks and copies its carry, and each
loop is compiled on its own. JAX itself has since switched CPU to the
unrolled form (jax-ml/jax#37872). :func:`use_unrolled_on_cpu`, called when
:mod:`jaxgan` is imported, registers that lowering for CPU in JAX versions
that still roll it. The hash is the same integer arithmetic, so every random
number is bit-identical; only the compiled program changes. The
registration is process-wide, so it applies to any JAX program in the
process.
"""

try:
  from jax._src.interpreters import mlir
  from jax._src.random import threefry2x32
except ImportError:  # a JAX whose internals moved: keep its own lowering
  mlir = threefry2x32 = None


def use_unrolled_on_cpu() -> bool:
  """Lowers threefry2x32 on CPU with unrolled rounds where JAX rolls them.

  Returns:
    Whether the unrolled lowering was registered: False where this JAX has
    no rolled CPU lowering (it unrolls already, or its internals moved).
  """
  if threefry2x32 is None or not hasattr(
      threefry2x32, '_threefry2x32_cpu_lowering_rule'):
    return False
  unrolled = getattr(threefry2x32, '_threefry2x32_lowering_rule', None)
  if unrolled is None:
    return False
  mlir.register_lowering(threefry2x32.threefry2x32_p, unrolled,
                         platform='cpu')
  return True
