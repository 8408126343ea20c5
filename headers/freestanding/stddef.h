/* abicheck's freestanding <stddef.h>: what C headers include it for, from the
 * target's predefined macros (used where no compiler's own headers are given). */
#if !defined(__need_size_t) && !defined(__need_ptrdiff_t) && !defined(__need_wchar_t) \
    && !defined(__need_NULL) && !defined(__need_wint_t)
#define __abicheck_stddef_all 1
#endif

#if (defined(__abicheck_stddef_all) || defined(__need_size_t)) && !defined(__abicheck_size_t)
#define __abicheck_size_t 1
typedef __SIZE_TYPE__ size_t;
#endif

#if (defined(__abicheck_stddef_all) || defined(__need_ptrdiff_t)) \
    && !defined(__abicheck_ptrdiff_t)
#define __abicheck_ptrdiff_t 1
typedef __PTRDIFF_TYPE__ ptrdiff_t;
#endif

#if (defined(__abicheck_stddef_all) || defined(__need_wchar_t)) && !defined(__abicheck_wchar_t)
#define __abicheck_wchar_t 1
typedef __WCHAR_TYPE__ wchar_t;
#endif

#if defined(__need_wint_t) && !defined(__abicheck_wint_t)
#define __abicheck_wint_t 1
typedef __WINT_TYPE__ wint_t;
#endif

#if defined(__abicheck_stddef_all) || defined(__need_NULL)
#undef NULL
#define NULL ((void *)0)
#endif

#if defined(__abicheck_stddef_all) && !defined(offsetof)
#define offsetof(TYPE, MEMBER) __builtin_offsetof (TYPE, MEMBER)
#endif

#undef __need_size_t
#undef __need_ptrdiff_t
#undef __need_wchar_t
#undef __need_wint_t
#undef __need_NULL
#undef __abicheck_stddef_all
