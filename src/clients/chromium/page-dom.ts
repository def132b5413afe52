/**
 * The little of the DOM that the functions run inside the page use. The project compiles
 * without the DOM library (it is a Node program); files whose functions Playwright runs in the
 * page declare `document` with these types, module-local, so nothing leaks into Node code.
 */
export interface PageElement {
  readonly textContent: string | null;
  readonly children: ArrayLike<PageElement>;
}

export interface PageDocument {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  getElementById(id: string): PageElement | null;
}
