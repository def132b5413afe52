/** The last `capacity` items, oldest first; pushing is O(1). */
export class Ring<T> {
  private readonly slots: T[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.slots.length < this.capacity) this.slots.push(item);
    else this.slots[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  get length(): number {
    return this.slots.length;
  }

  items(): T[] {
    return this.slots.length < this.capacity ? [...this.slots] : [...this.slots.slice(this.next), ...this.slots.slice(0, this.next)];
  }
}
