#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes, with NumPy alone, the files a PyTorch run exports, so that the
tests and the worked example (docs/pytorch.md) read what NumPy itself
writes:

  features.npy           N x d float32, C order (rows are samples), as
                         np.save(feats.numpy()) writes a batch of features
  labels.npy             N int64, 0-based (PyTorch's class indices)
  W.npy, b.npy           the last layer, nn.Linear(d, K): weight K x d
                         (out x in), bias K, float32
  run.npz                the four arrays in one archive (np.savez, stored)
  run_compressed.npz     the same, deflated (np.savez_compressed)
  run_zip64.npz          stored and deflated members in zip64 records, as
                         NumPy writes members past 2 GB (forced on small ones)
  features_be.npy        big-endian float32 ('>f4')
  features_fortran.npy   Fortran order
  features_dn.npy        d x N float64 (columns are samples)
  labels_<dtype>.npy     the labels as int32, uint8, int16, float64, 1-based
  dtypes/*.npy           every numeric dtype, in both byte orders and both
                         layouts, with the extremes of each type
  expect.json            what each dtypes/ file holds: its dtype, shape and
                         order, and its values as text (exact decimal for
                         integers, %.17g for floats) in C order; the
                         features' counts and shapes

Usage: write_pytorch_features.py OUTDIR [SEED]
"""

import json
import os
import sys
import zipfile

import numpy as np

COUNTS = [60, 60, 60, 15, 15]   # step imbalance: 3 majority classes, 2 minority
D = 12


def make_run(rng):
    """Features near K well-separated class means, labels shuffled as a
    data loader returns them, and a linear classifier close to the means."""
    K = len(COUNTS)
    means = 3.0 * rng.standard_normal((K, D))
    y = np.repeat(np.arange(K), COUNTS)
    rng.shuffle(y)
    H = means[y] + rng.standard_normal((y.size, D))
    W = means + 0.3 * rng.standard_normal((K, D))
    b = 0.1 * rng.standard_normal(K)
    return H.astype(np.float32), y.astype(np.int64), W.astype(np.float32), b.astype(np.float32)


def extremes(dt):
    """Twelve values of dtype dt, among them its smallest and largest."""
    if dt.kind == 'b':
        return np.array([0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0], dtype=dt)
    if dt.kind in 'iu':
        info = np.iinfo(dt)
        vals = [info.min, info.max, 0, 1, info.max - 1, info.min + 1, 7, 42, 100, 3,
                info.max // 3, info.min // 5]
        return np.array(vals, dtype=dt)
    info = np.finfo(dt)
    vals = [0.0, -0.0, 1.0, -2.5, float(info.max), float(info.tiny),
            float(info.smallest_subnormal), np.inf, -np.inf, np.nan, 0.1, -1.0 / 3]
    return np.array(vals, dtype=dt)


def as_text(v):
    if isinstance(v, (bool, np.bool_)):
        return '1' if v else '0'
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return '%.17g' % float(v)


def write_dtypes(out):
    cases = []
    os.makedirs(os.path.join(out, 'dtypes'), exist_ok=True)
    for code in ['i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1', 'f2', 'f4', 'f8']:
        for order in '<>':
            dt = np.dtype(order + code)
            A = extremes(dt).reshape(3, 4)
            for fortran in (False, True):
                name = 'dtypes/%s_%s_%s.npy' % (code, 'le' if order == '<' else 'be',
                                                'F' if fortran else 'C')
                np.save(os.path.join(out, name), np.asfortranarray(A) if fortran else A)
                cases.append({'file': name, 'descr': dt.str, 'fortran_order': fortran,
                              'shape': list(A.shape),
                              'values': [as_text(v) for v in A.ravel(order='C').tolist()]})
    # shapes beyond the plain matrix: 0-d, 1-D, empty
    for name, A in [('dtypes/scalar.npy', np.array(2.5)),
                    ('dtypes/vector.npy', np.arange(5, dtype='<i2')),
                    ('dtypes/empty.npy', np.zeros((0, 5), dtype='<f8'))]:
        np.save(os.path.join(out, name), A)
        cases.append({'file': name, 'descr': A.dtype.str, 'fortran_order': False,
                      'shape': list(A.shape),
                      'values': [as_text(v) for v in A.ravel().tolist()]})
    return cases


def write_zip64_members(path, arrays):
    """np.savez and savez_compressed write zip64 records once a member or an
    offset passes zipfile.ZIP64_LIMIT (2 GB); lowering the limit makes
    zipfile write the same records for these small arrays, for stored and
    deflated members alike."""
    limit = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 16
    try:
        with zipfile.ZipFile(path, 'w', allowZip64=True) as z:
            for i, (key, A) in enumerate(arrays.items()):
                z.compression = zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED
                with z.open(key + '.npy', 'w', force_zip64=True) as f:
                    np.lib.format.write_array(f, A)
    finally:
        zipfile.ZIP64_LIMIT = limit


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    H, y, W, b = make_run(rng)
    run = {'features': H, 'labels': y, 'W': W, 'b': b}
    for key, A in run.items():
        np.save(os.path.join(out, key + '.npy'), A)
    np.savez(os.path.join(out, 'run.npz'), **run)
    np.savez_compressed(os.path.join(out, 'run_compressed.npz'), **run)
    write_zip64_members(os.path.join(out, 'run_zip64.npz'), run)
    np.save(os.path.join(out, 'features_be.npy'), H.astype('>f4'))
    np.save(os.path.join(out, 'features_fortran.npy'), np.asfortranarray(H))
    np.save(os.path.join(out, 'features_dn.npy'), np.ascontiguousarray(H.T, dtype='<f8'))
    for tag, lab in [('i32', y.astype('<i4')), ('u8', y.astype('u1')), ('i16', y.astype('>i2')),
                     ('f8', y.astype('<f8')), ('1based', y + 1)]:
        np.save(os.path.join(out, 'labels_%s.npy' % tag), lab)
    cases = write_dtypes(out)
    expect = {'seed': seed, 'counts': COUNTS, 'N': int(y.size), 'd': D, 'K': len(COUNTS),
              'numpy': np.__version__, 'dtypes': cases}
    with open(os.path.join(out, 'expect.json'), 'w') as f:
        json.dump(expect, f, indent=1)


if __name__ == '__main__':
    main()
