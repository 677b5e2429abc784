/**
 * What both transformer front ends share: directive rules, options, syntactic rules and every
 * diagnostic text.
 */
export * from "./directive";
export * from "./options";
export * from "./messages";
export * from "./rules";
