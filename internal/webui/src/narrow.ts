import { onBeforeUnmount, ref } from 'vue'

/** True on a phone-sized screen. */
export function useNarrow(px = 768) {
  const q = window.matchMedia(`(max-width: ${px}px)`)
  const narrow = ref(q.matches)
  const on = () => (narrow.value = q.matches)
  q.addEventListener('change', on)
  onBeforeUnmount(() => q.removeEventListener('change', on))
  return narrow
}
