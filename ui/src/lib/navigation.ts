// How a part of a screen opens another screen (a case's bookings open the booking screen or an
// ABN) without every screen in between passing callbacks down: App provides it as context.
import { getContext, setContext } from 'svelte';

export type Navigation = {
  openCase: (caseNo: string) => void;
  /** `bookingRef` null: a new booking for the case. */
  openBooking: (caseNo: string, bookingRef: string | null) => void;
  /** `caseNo`: the case it was opened from, to go back to. */
  openAbn: (abnNo: string, caseNo: string | null) => void;
};

export const NAVIGATION = Symbol('navigation');

export function provideNavigation(nav: Navigation): void {
  setContext(NAVIGATION, nav);
}

/** The navigation App provides (none in a component test that does not give one). */
export function navigation(): Navigation | undefined {
  return getContext<Navigation | undefined>(NAVIGATION);
}
