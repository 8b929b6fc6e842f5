/** A row of toggle buttons choosing one option (range, window): keyboard reachable, state in aria-pressed. */
export function Segmented<T extends string | number> ({ label, options, value, onChange, testId }: {
  label: string
  options: ReadonlyArray<{ value: NoInfer<T>, label: string }>
  value: T
  onChange (value: NoInfer<T>): void
  testId?: string
}) {
  return (
    <div class='segmented' role='group' aria-label={label} data-testid={testId}>
      {options.map((option) => (
        <button key={option.value} type='button' aria-pressed={option.value === value} onClick={() => onChange(option.value)}>
          {option.label}
        </button>
      ))}
    </div>
  )
}
