/** A .cgx source whose grid has exactly 10,000 cells: 10 sizes x 4 curricula x 5 lr x 5 wd x 10 seeds. */
export function tenThousandCellSource(): string {
  return `experiment big_grid {
  seeds 10
  data {
    context 64
    source kids = builtin("gutenberg.children")
    source adult = builtin("gutenberg.adult")
  }
  curriculum staged {
    stage early for 30% { mix kids 100% }
    stage late { mix kids 30%, adult 70% }
  }
  curriculum paced {
    pace difficulty from 20% to max over 50% using linear
  }
  curriculum competence = pacing(root(2), start: 10%, full_at: 50%) by difficulty
  control shuffled like staged
  models {
    params log(200k..20M, 10)
  }
  budget tokens 20 x params
  train {
    batch 16
  }
  evaluate every 10%
  vary {
    lr [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
    weight_decay [0, 0.01, 0.03, 0.1, 0.3]
  }
}
`;
}
