"""Operation limits, built once with the schema: tokens, depth, aliases, directives per field and cost.

`guard_extension(limits)` returns ONE extension class per schema. Strawberry instantiates it per request,
but the instance only points at objects made here (the rule tuple and the validation cache), so the cache
keyed by query text stays warm: a `lambda: QueryDepthLimiter(...)` would build new rules per request.

The shape limits (depth, aliases, directives) run before graphql-core's validation and stop it: a document
that is too big is refused with one coded error, without the work (and the 1000 errors) of validating it.
Cost needs the variables (`first: $n`), so it is checked just before execution.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from graphql.type import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
)
from graphql.utilities import get_operation_ast
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

SIZE_ARGUMENTS = ("first", "last", "limit")


LIST_SIZE = "astro.list_size"  # strawberry field metadata key: the size the cost limit counts for a list


@dataclass(frozen=True)
class Limits:
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 1000
    max_directives_per_field: int = 4
    max_cost: int = 5000
    default_list_size: int = 20
    introspection: bool = True
    validation_cache_size: int = 1024

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            max_directives_per_field=settings.max_directives_per_field,
            max_cost=settings.max_cost,
            default_list_size=settings.default_list_size,
            introspection=settings.introspection_enabled,
        )


def limit_error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


@dataclass(frozen=True)
class Shape:
    depth: int = 0
    aliases: int = 0
    directives: int = 0  # the most directives on any one field


def _merge(shapes: Iterator[Shape]) -> Shape:
    depth = aliases = directives = 0
    for shape in shapes:
        depth, aliases = max(depth, shape.depth), aliases + shape.aliases
        directives = max(directives, shape.directives)
    return Shape(depth, aliases, directives)


class ShapeWalker:
    """Depth, aliases and directives of an operation, with fragments expanded (memoized, cycle-safe)."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[str, Shape] = {}
        self.visiting: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None) -> Shape:
        if node is None:
            return Shape()
        return _merge(self.selection(selection) for selection in node.selections)

    def selection(self, node: Any) -> Shape:
        if isinstance(node, FieldNode):
            child = self.selection_set(node.selection_set)
            own = 1 if node.alias else 0
            return Shape(child.depth + 1, child.aliases + own, max(child.directives, len(node.directives or ())))
        if isinstance(node, InlineFragmentNode):
            child = self.selection_set(node.selection_set)
            return Shape(child.depth, child.aliases, max(child.directives, len(node.directives or ())))
        if isinstance(node, FragmentSpreadNode):
            return self.spread(node.name.value)
        return Shape()

    def spread(self, name: str) -> Shape:
        if name in self.memo:
            return self.memo[name]
        if name in self.visiting or name not in self.fragments:
            return Shape()  # cycles and unknown fragments are reported by validation
        self.visiting.add(name)
        self.memo[name] = self.selection_set(self.fragments[name].selection_set)
        self.visiting.discard(name)
        return self.memo[name]


def check_shape(document: DocumentNode, limits: Limits) -> GraphQLError | None:
    walker = ShapeWalker(document)
    operations = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    shape = _merge(walker.selection_set(op.selection_set) for op in operations)
    if shape.depth > limits.max_depth:
        return limit_error(f"Query depth {shape.depth} exceeds the limit of {limits.max_depth}", "MAX_DEPTH_EXCEEDED")
    if shape.aliases > limits.max_aliases:
        return limit_error(f"{shape.aliases} aliases exceed the limit of {limits.max_aliases}", "MAX_ALIASES_EXCEEDED")
    if shape.directives > limits.max_directives_per_field:
        message = f"A field carries more than {limits.max_directives_per_field} directives"
        return limit_error(message, "MAX_DIRECTIVES_EXCEEDED")
    return None


class CostWalker:
    """Every field costs 1; a list multiplies its subtree by its `first`/`last`/`limit` argument, or by
    `default_list_size` when it has none. The lists inside a sized connection (`edges`, `nodes`) are not
    multiplied again. Introspection fields cost 1 each (their depth is bounded by validation)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any], default: int):
        self.schema, self.variables, self.default = schema, variables, default
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[tuple[str, bool], int] = {}
        self.visiting: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None, parent: GraphQLNamedType | None, sized: bool) -> int:
        if node is None:
            return 0
        return sum(self.selection(selection, parent, sized) for selection in node.selections)

    def selection(self, node: Any, parent: GraphQLNamedType | None, sized: bool) -> int:
        if isinstance(node, FieldNode):
            return self.field(node, parent, sized)
        if isinstance(node, InlineFragmentNode):
            condition = self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
            return self.selection_set(node.selection_set, condition, sized)
        if isinstance(node, FragmentSpreadNode):
            return self.spread(node.name.value, sized)
        return 0

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, sized: bool) -> int:
        name = node.name.value
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        definition = None if name.startswith("__") else fields.get(name)
        if definition is None:
            return 1 + self.selection_set(node.selection_set, None, True)
        size = self.size(node) if any(arg in definition.args for arg in SIZE_ARGUMENTS) else declared_size(definition)
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)  # type: ignore[arg-type]
        unsized_list = is_list and not sized
        multiplier = size if size is not None else (self.default if unsized_list else 1)
        # A sized connection's own lists (edges, nodes) are its page: not multiplied again.
        connection = size is not None and not is_list
        child = self.selection_set(node.selection_set, get_named_type(definition.type), connection)
        return 1 + multiplier * child

    def size(self, node: FieldNode) -> int:
        """The page a sizing argument asks for (literal, variable or its default)."""
        for argument in node.arguments or ():
            if argument.name.value not in SIZE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(0, int(value.value))
            if isinstance(value, VariableNode) and isinstance(self.variables.get(value.name.value), int):
                return max(0, self.variables[value.name.value])
        return self.default

    def spread(self, name: str, sized: bool) -> int:
        key = (name, sized)
        if key in self.memo:
            return self.memo[key]
        if name in self.visiting or name not in self.fragments:
            return 0
        fragment = self.fragments[name]
        self.visiting.add(name)
        condition = self.schema.get_type(fragment.type_condition.name.value)
        self.memo[key] = self.selection_set(fragment.selection_set, condition, sized)
        self.visiting.discard(name)
        return self.memo[key]


def declared_size(definition: GraphQLField) -> int | None:
    """The list size a field declares with `metadata={LIST_SIZE: n}` (lists known to stay small)."""
    field = (definition.extensions or {}).get("strawberry-definition")
    size = getattr(field, "metadata", {}).get(LIST_SIZE) if field is not None else None
    return size if isinstance(size, int) else None


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: dict[str, Any], default: int
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    defaults = {
        definition.variable.name.value: int(definition.default_value.value)
        for definition in operation.variable_definitions or ()
        if isinstance(definition.default_value, IntValueNode)
    }
    root = schema.get_root_type(operation.operation)
    walker = CostWalker(schema, document, {**defaults, **(variables or {})}, default)
    return walker.selection_set(operation.selection_set, root, False)


def nul_in_literals(document: DocumentNode) -> GraphQLError | None:
    """No store keeps a NUL character in text: refuse it in any string literal before anything runs."""
    found: list[GraphQLError] = []

    class Finder(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            if not found and _has_nul_literal(node.value):
                found.append(input_error(f"Argument '{node.name.value}' contains a NUL character", node.name.value))

    visit(document, Finder())
    return found[0] if found else None


def _has_nul_literal(node: ValueNode) -> bool:
    if isinstance(node, StringValueNode):
        return "\x00" in node.value
    if isinstance(node, ListValueNode):
        return any(_has_nul_literal(value) for value in node.values)
    if isinstance(node, ObjectValueNode):
        return any(_has_nul_literal(field.value) for field in node.fields)
    return False


def nul_in_variables(variables: dict[str, Any]) -> GraphQLError | None:
    """The same rule for variable values, naming the variable (and the path inside it)."""
    stack: list[tuple[str, Any]] = [(f"${name}", value) for name, value in variables.items()]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            return input_error(f"Variable '{path}' contains a NUL character", path)
        if isinstance(value, dict):
            stack.extend((f"{path}.{key}", item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return None


def input_error(message: str, field: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", "field": field})


def guard_extension(limits: Limits) -> type[SchemaExtension]:
    """The schema extension enforcing `limits`; call once per schema."""
    # graphql-core's specified rules already bound introspection depth (MaxIntrospectionDepthRule).
    extra_rules: tuple[Any, ...] = () if limits.introspection else (NoSchemaIntrospectionCustomRule,)
    cache: LRUCache[str, list[GraphQLError]] = LRUCache(limits.validation_cache_size)  # by query text
    costs: LRUCache[tuple[Any, ...], int] = LRUCache(limits.validation_cache_size)

    def validate(schema: GraphQLSchema, query: str | None, document: DocumentNode, rules: tuple) -> list:
        errors = cache.get(query) if query else None
        if errors is None:
            refused = check_shape(document, limits) or nul_in_literals(document)
            errors = [refused] if refused else validate_document(schema, document, rules + extra_rules)
            if query:
                cache[query] = errors
        return errors

    class EdgeGuard(SchemaExtension):
        validation_cache = cache

        def on_operation(self) -> Iterator[None]:
            self.execution_context.parse_options["max_tokens"] = limits.max_tokens
            yield

        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            assert context.graphql_document is not None
            schema = context.schema._schema
            context.pre_execution_errors = validate(
                schema, context.query, context.graphql_document, context.validation_rules
            )
            yield

        @staticmethod
        def refusal(
            schema: GraphQLSchema,
            query: str | None,
            document: DocumentNode,
            operation_name: str | None,
            variables: dict[str, Any],
        ) -> GraphQLError | None:
            """Why this validated operation may not run with these variables (NUL in a variable, cost),
            or None. Also asked by the compiled read path before it answers (graph/compiled/hook.py)."""
            unstorable = nul_in_variables(variables)
            if unstorable is not None:
                return unstorable
            # The cost reads only the document and its integer variables (sizes): kept per text and sizes.
            sizes = tuple(sorted((name, value) for name, value in variables.items() if isinstance(value, int)))
            key = (query, operation_name, sizes)
            cost = costs.get(key) if query else None
            if cost is None:
                cost = operation_cost(schema, document, operation_name, variables, limits.default_list_size)
                if query:
                    costs[key] = cost
            if cost > limits.max_cost:
                return limit_error(f"Query cost {cost} exceeds the limit of {limits.max_cost}", "MAX_COST_EXCEEDED")
            return None

        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            assert context.graphql_document is not None
            refused = self.refusal(
                context.schema._schema,
                context.query,
                context.graphql_document,
                context.operation_name,
                context.variables or {},
            )
            if refused is not None:
                context.result = GraphQLExecutionResult(data=None, errors=[refused])
            yield

    return EdgeGuard
