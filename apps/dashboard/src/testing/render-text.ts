import type { ComponentChildren, VNode } from 'preact';

/** A rendered element: its tag, attributes and children, function components expanded. */
export interface TextNode {
  readonly tag: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly children: readonly (TextNode | string)[];
}

/**
 * Expands a Preact tree of hook-free components into plain nodes, so a test can read a view's text and attributes
 * without a DOM.
 */
export function expand(children: ComponentChildren): (TextNode | string)[] {
  if (children === null || children === undefined || typeof children === 'boolean') return [];
  if (Array.isArray(children)) return children.flatMap((child) => expand(child));
  if (typeof children !== 'object') return [String(children)];
  const vnode = children as VNode<Record<string, unknown> & { children?: ComponentChildren }>;
  if (typeof vnode.type === 'function') {
    return expand((vnode.type as (props: unknown) => ComponentChildren)(vnode.props));
  }
  const { children: inner, ...props } = vnode.props;
  return [{ tag: String(vnode.type), props, children: expand(inner) }];
}

/** The text of nodes, as `textContent` reads it. */
export function textOf(nodes: readonly (TextNode | string)[]): string {
  return nodes.map((node) => (typeof node === 'string' ? node : textOf(node.children))).join('');
}

/** Every node below `nodes` (themselves included) that `match` accepts, in document order. */
export function findAll(
  nodes: readonly (TextNode | string)[],
  match: (node: TextNode) => boolean,
): TextNode[] {
  return nodes.flatMap((node) =>
    typeof node === 'string' ? [] : [...(match(node) ? [node] : []), ...findAll(node.children, match)],
  );
}
