import type { PhoneNumber } from './phone.js';

export type UserStatus = 'active' | 'disabled';

export interface User {
  id: string;
  siteId: string;
  username: string;
  phone: PhoneNumber | null;
  phoneVerified: boolean;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  locale: string | null;
  status: UserStatus;
  /** The registration's `customdata`, kept as given. */
  customData: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export type NewUser = Omit<User, 'createdAt' | 'updatedAt'>;
