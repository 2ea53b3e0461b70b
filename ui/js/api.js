// The one door to the Rust side. Every failure arrives as {code, message, field?, fields}.

export async function call(command, args = {}, options = undefined) {
  const tauri = window.__TAURI__;
  if (!tauri || !tauri.core) {
    throw { code: 'ipc', message: 'Tauri IPC is not available', fields: [] };
  }
  try {
    return await tauri.core.invoke(command, args, options);
  } catch (err) {
    if (err && typeof err === 'object' && typeof err.code === 'string') {
      throw { fields: [], ...err };
    }
    throw { code: 'ipc', message: String(err), fields: [] };
  }
}
