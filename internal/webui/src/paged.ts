// Cursor pagination (first/after) shown as pages: remembers the cursor that starts each page.
import { reactive, ref, type Ref } from 'vue'
import { errorMessage } from './api'

export type Conn<T> = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor?: string | null }; edges: { node: T }[] }

export function usePaged<T>(fetchPage: (first: number, after: string | null) => Promise<Conn<T>>, pageSize = 20) {
  const items = ref([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const size = ref(pageSize)
  const loading = ref(false)
  const error = ref('')
  const hasNext = ref(false)
  // starts[i] = the `after` cursor of page i+1.
  let starts: (string | null)[] = [null]

  async function load(p = page.value) {
    loading.value = true
    error.value = ''
    try {
      // Walk forward to a page whose start is not known yet (jumping ahead).
      while (starts.length < p) {
        const c = await fetchPage(size.value, starts[starts.length - 1])
        if (!c.pageInfo.hasNextPage) break
        starts.push(c.pageInfo.endCursor ?? null)
      }
      p = Math.min(p, starts.length)
      const c = await fetchPage(size.value, starts[p - 1])
      items.value = c.edges.map((e) => e.node)
      total.value = c.totalCount
      hasNext.value = c.pageInfo.hasNextPage
      if (c.pageInfo.hasNextPage && starts.length === p) starts.push(c.pageInfo.endCursor ?? null)
      page.value = p
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }
  function reset() {
    starts = [null]
    page.value = 1
    return load(1)
  }
  function setSize(n: number) {
    size.value = n
    return reset()
  }
  return reactive({ items, total, page, size, loading, error, hasNext, load, reset, setSize })
}
