#ifndef WEBKASSE_CCRYPTO_SHIM_H
#define WEBKASSE_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/bn.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/obj_mac.h>
#include <openssl/err.h>

/* BIO_get_mem_data is a macro over BIO_ctrl; Swift does not import it. */
static inline long webkasse_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}
#endif
