import { beforeEach } from 'vitest';
import { setSession } from './lib/session.svelte';
import { everything } from './test/fixtures';

// Component tests run signed in with every right unless a test says otherwise.
beforeEach(() => setSession(everything));

// What jsdom lacks and the WebKit window has.
Element.prototype.scrollIntoView = function () {};
if (!Blob.prototype.text) {
  Blob.prototype.text = function (this: Blob): Promise<string> {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsText(this);
    });
  };
}
