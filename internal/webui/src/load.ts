// One value fetched from the server, with its loading flag and readable error.
import { ref, type Ref } from 'vue'
import { errorMessage } from './api'

export function useLoad<T>(fetch: () => Promise<T>) {
  const data = ref(null) as Ref<T | null>
  const loading = ref(false)
  const error = ref('')
  async function run() {
    loading.value = true
    error.value = ''
    try {
      data.value = await fetch()
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }
  return { data, loading, error, run }
}
