// Fetching a value and submitting a form, each with its busy flag and readable error.
import { ref, type Ref } from 'vue'
import type { FormInstance } from 'element-plus'
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

/**
 * Submitting a form: validate it in the browser first (Chinese messages at
 * the fields), then send; a refusal from the server shows as `error` and the
 * form keeps what was typed.
 */
export function useSubmit(formRef: Ref<FormInstance | undefined>, send: () => Promise<void>) {
  const saving = ref(false)
  const error = ref('')
  async function submit() {
    const ok = await formRef.value?.validate().catch(() => false)
    if (!ok) return
    saving.value = true
    error.value = ''
    try {
      await send()
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      saving.value = false
    }
  }
  return { saving, error, submit }
}
