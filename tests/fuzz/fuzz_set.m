% SPDX-License-Identifier: GPL-3.0-or-later

function s = fuzz_set(s, field, v)
%FUZZ_SET  Struct S with FIELD set to V, or removed when V is the string '<remove>'.
  if ischar(v) && strcmp(v, '<remove>')
    if isfield(s, field)
      s = rmfield(s, field);
    end
  else
    s.(field) = v;
  end
end
